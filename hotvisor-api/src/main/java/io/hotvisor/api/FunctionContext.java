package io.hotvisor.api;

import java.time.Duration;
import java.util.Map;

/** What the platform tells a function about the invocation it is running. */
public interface FunctionContext {

    /** The invocation's id, as returned to the caller in {@code X-Hotvisor-Invocation-Id}. */
    String invocationId();

    /** The function's name. */
    String functionName();

    /** The deployed version of the function, counting from 1. */
    long functionVersion();

    /** The memory limit the function was deployed with, in MB. */
    int memoryLimitMb();

    /** Time left before the invocation times out; never negative. */
    Duration remainingTime();

    /** The function's own environment, as given in its {@code env} config; nothing of the host's. */
    Map<String, String> env();
}
