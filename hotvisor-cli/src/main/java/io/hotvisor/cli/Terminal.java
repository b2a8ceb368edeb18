package io.hotvisor.cli;

import java.io.InputStream;

/**
 * What the commands need from the process beyond their output writers, so tests can supply their own.
 *
 * @param stdin       read by {@code invoke --data -}
 * @param interactive whether stderr is a terminal: progress lines are then redrawn in place
 */
record Terminal(InputStream stdin, boolean interactive) {

    static Terminal system() {
        return new Terminal(System.in, System.console() != null);
    }
}
