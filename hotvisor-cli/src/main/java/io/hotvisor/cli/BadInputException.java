package io.hotvisor.cli;

/**
 * Input on the user's side that cannot make a request: an unreadable file, a function folder without a
 * usable source. Commands turn it into a picocli usage error naming the option it came from.
 */
final class BadInputException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    BadInputException(String message) {
        super(message);
    }

    BadInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
