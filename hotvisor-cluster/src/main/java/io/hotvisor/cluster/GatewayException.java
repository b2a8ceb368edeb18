package io.hotvisor.cluster;

/** A request the gateway answers with an error: status, type and a message naming what was wrong. */
final class GatewayException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String type;

    GatewayException(int status, String type, String message) {
        super(message);
        this.status = status;
        this.type = type;
    }

    int status() {
        return status;
    }

    String type() {
        return type;
    }
}
