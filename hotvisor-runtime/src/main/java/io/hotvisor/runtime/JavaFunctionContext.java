package io.hotvisor.runtime;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.logging.LogLevel;

import io.hotvisor.api.FunctionContext;

/**
 * What a Java function is told about its invocation, in both vocabularies: AWS Lambda's {@link Context} (for
 * {@code RequestHandler} and {@code RequestStreamHandler}) and Hotvisor's {@link FunctionContext}. One object per
 * invocation.
 */
final class JavaFunctionContext implements Context, FunctionContext {
    private final InvocationContext invocation;
    private final Map<String, String> env;
    private final FunctionLogger logger;

    JavaFunctionContext(InvocationContext invocation, Map<String, String> env, FunctionLogger logger) {
        this.invocation = invocation;
        this.env = env;
        this.logger = logger;
    }

    // Hotvisor

    @Override
    public String invocationId() {
        return invocation.invocationId();
    }

    @Override
    public String functionName() {
        return invocation.functionName();
    }

    @Override
    public long functionVersion() {
        return invocation.version();
    }

    @Override
    public int memoryLimitMb() {
        return invocation.memoryMb();
    }

    @Override
    public Duration remainingTime() {
        return invocation.remaining();
    }

    @Override
    public Map<String, String> env() {
        return env;
    }

    // AWS Lambda

    @Override
    public String getAwsRequestId() {
        return invocation.invocationId();
    }

    @Override
    public String getLogGroupName() {
        return "hotvisor.function." + invocation.functionName();
    }

    @Override
    public String getLogStreamName() {
        return invocation.functionName() + "/" + invocation.version();
    }

    @Override
    public String getFunctionName() {
        return invocation.functionName();
    }

    @Override
    public String getFunctionVersion() {
        return Long.toString(invocation.version());
    }

    @Override
    public String getInvokedFunctionArn() {
        return "arn:hotvisor:function:" + invocation.functionName() + ":" + invocation.version();
    }

    /** Lambda's Cognito identity: none on Hotvisor. */
    @Override
    public CognitoIdentity getIdentity() {
        return null;
    }

    /** Lambda's mobile client context: none on Hotvisor. */
    @Override
    public ClientContext getClientContext() {
        return null;
    }

    @Override
    public int getRemainingTimeInMillis() {
        return (int) Math.min(Integer.MAX_VALUE, invocation.remaining().toMillis());
    }

    @Override
    public int getMemoryLimitInMB() {
        return invocation.memoryMb();
    }

    @Override
    public LambdaLogger getLogger() {
        return logger;
    }

    /** A {@link LambdaLogger} writing to the System.Logger {@code hotvisor.function.<name>}; one per function. */
    static final class FunctionLogger implements LambdaLogger {
        /** Null: what is logged is dropped (a warm-up replay's logger). */
        private final System.Logger log;

        FunctionLogger(String functionName) {
            this.log = GuestOutput.logger(functionName);
        }

        private FunctionLogger() {
            this.log = null;
        }

        /** A logger that drops everything: a warm-up replay's. */
        static FunctionLogger discarding() {
            return new FunctionLogger();
        }

        @Override
        public void log(String message) {
            if (log != null) {
                OutputTap.log(log, Level.INFO, message);
            }
        }

        @Override
        public void log(byte[] message) {
            log(new String(message, StandardCharsets.UTF_8));
        }

        @Override
        public void log(String message, LogLevel level) {
            if (log == null) {
                return;
            }
            OutputTap.log(log, switch (level) {
                case TRACE -> Level.TRACE;
                case DEBUG -> Level.DEBUG;
                case WARN -> Level.WARNING;
                case ERROR, FATAL -> Level.ERROR;
                case INFO, UNDEFINED -> Level.INFO;
            }, message);
        }

        @Override
        public void log(byte[] message, LogLevel level) {
            log(new String(message, StandardCharsets.UTF_8), level);
        }
    }
}
