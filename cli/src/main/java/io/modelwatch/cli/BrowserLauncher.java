package io.modelwatch.cli;

import java.awt.Desktop;
import java.awt.GraphicsEnvironment;
import java.io.File;
import java.net.URI;
import java.util.concurrent.TimeUnit;

/**
 * Opens a page in the user's browser when there is one: {@link Desktop} on a desktop session,
 * otherwise {@code xdg-open} (Linux) or {@code open} (macOS) if a display is there. Never fails:
 * on a server or in a container the printed URL is all there is.
 */
final class BrowserLauncher {
    private BrowserLauncher() {}

    /** Returns true if a browser was asked to open {@code url}. */
    static boolean open(String url) {
        try {
            if (!GraphicsEnvironment.isHeadless() && Desktop.isDesktopSupported()
                    && Desktop.getDesktop().isSupported(Desktop.Action.BROWSE)) {
                Desktop.getDesktop().browse(URI.create(url));
                return true;
            }
        } catch (Exception | LinkageError e) {
            // fall back to the platform's opener
        }
        String os = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT);
        String opener = os.contains("mac") ? "open" : "xdg-open";
        boolean display = os.contains("mac") || System.getenv("DISPLAY") != null || System.getenv("WAYLAND_DISPLAY") != null;
        if (!display || !onPath(opener)) {
            return false;
        }
        try {
            Process p = new ProcessBuilder(opener, url).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            // xdg-open returns once the browser has the URL; do not wait for the browser itself.
            return !p.waitFor(5, TimeUnit.SECONDS) || p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    private static boolean onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (new File(dir, command).canExecute()) {
                return true;
            }
        }
        return false;
    }
}
