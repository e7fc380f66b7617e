package dev.ferry.util;

/**
 * Bad input the user can fix: an option value, a URI, a pair of servers that cannot work together. The message is
 * one line saying what is wrong (never a password); the command line turns it into exit code 2. Not for
 * programming errors: a guard against a wrong call stays an {@link IllegalArgumentException}, which is reported as
 * an unexpected failure.
 */
public class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
