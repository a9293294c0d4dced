package io.sluice.job;

/** The syntax of a Kafka bootstrap list, checked without resolving or connecting: host:port[,host:port...]. */
final class BootstrapServers {

    private BootstrapServers() {
    }

    /** Throws IllegalArgumentException naming the setting and the first entry that is not host:port. */
    static void check(String setting, String servers) {
        for (String raw : servers.split(",", -1)) {
            String entry = raw.strip();
            int colon = entry.lastIndexOf(':');
            String host = colon > 0 ? entry.substring(0, colon) : "";
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port = -1;
            if (colon > 0) {
                try {
                    port = Integer.parseInt(entry.substring(colon + 1));
                } catch (NumberFormatException e) {
                    port = -1;
                }
            }
            if (host.isEmpty() || port < 1 || port > 65535 || !host.matches("[A-Za-z0-9._:%-]+")) {
                throw new IllegalArgumentException(setting + ": '" + entry + "' is not host:port (e.g. broker:9092)");
            }
        }
    }
}
