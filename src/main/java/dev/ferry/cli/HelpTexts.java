package dev.ferry.cli;

import java.util.ListResourceBundle;

/**
 * The help texts a command words its own way for an option declared once in {@link CommonOptions}: picocli looks
 * up {@code <qualified command name>.<description key>} first. Only what differs from the option's own
 * description is here.
 */
public final class HelpTexts extends ListResourceBundle {
    @Override
    protected Object[][] getContents() {
        return new Object[][] {
            {"ferry.replicate.report", "Write every key or command not applied exactly (skipped, failed, warned) to FILE, one JSON object per line."},
            {"ferry.verify.report", "Write each key still different after the last round to FILE, one JSON object per line."},
            {"ferry.verify.target", "Same URI kinds as --source."},
        };
    }
}
