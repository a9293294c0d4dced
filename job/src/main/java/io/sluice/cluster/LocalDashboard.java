package io.sluice.cluster;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;

/**
 * Where the local cluster of {@code sluice run} serves Flink's web dashboard (flink-runtime-web is on its class
 * path): on localhost, at Flink's usual port 8081 when it is free, else at a free port.
 */
public record LocalDashboard(int port) {
    static final int FLINK_DEFAULT_PORT = 8081;

    /** Port 8081 if nothing listens there, else one the system picks. */
    public static LocalDashboard pick() {
        try (ServerSocket socket = new ServerSocket(FLINK_DEFAULT_PORT, 1, InetAddress.getByName(SessionClusterConfig.HOST))) {
            return new LocalDashboard(socket.getLocalPort());
        } catch (IOException taken) {
            try {
                return new LocalDashboard(LocalSessionCluster.freePort());
            } catch (IOException e) {
                throw new IllegalStateException("no free port for Flink's dashboard: " + e.getMessage(), e);
            }
        }
    }

    /** The local environment's configuration: its REST endpoint (which serves the dashboard) on this port. */
    public Configuration configuration() {
        Configuration c = new Configuration();
        c.set(RestOptions.BIND_ADDRESS, SessionClusterConfig.HOST);
        c.set(RestOptions.ADDRESS, SessionClusterConfig.HOST);
        c.set(RestOptions.BIND_PORT, Integer.toString(port));
        c.set(RestOptions.PORT, port);
        return c;
    }

    public String url() {
        return "http://" + SessionClusterConfig.HOST + ":" + port + "/";
    }
}
