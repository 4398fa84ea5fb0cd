package io.modelwatch.jobs;

import io.modelwatch.config.ConfigException;

/** Bad command-line usage: printed as one line, exit code 2. */
public class UsageException extends ConfigException {
    public UsageException(String message) {
        super(message);
    }
}
