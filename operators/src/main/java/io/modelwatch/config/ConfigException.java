package io.modelwatch.config;

/** A misconfiguration; its message is one line naming the setting, fit to print and exit 2. */
public class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
