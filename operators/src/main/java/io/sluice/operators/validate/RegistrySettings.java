package io.sluice.operators.validate;

import java.io.Serializable;
import java.net.URI;
import java.net.URISyntaxException;

/**
 * Where the Schema Registry is and how to reach it: its base URL, optional basic-auth credentials, and
 * optional TLS trust and key stores (files as the TaskManagers see them; absent: the JVM's defaults).
 * {@link #toString()} masks the secrets, so the settings can be logged.
 */
public record RegistrySettings(String url, String username, String password, String truststore,
                               String truststorePassword, String keystore, String keystorePassword)
        implements Serializable {

    public RegistrySettings {
        url = url == null ? null : url.strip();
    }

    public static RegistrySettings of(String url) {
        return new RegistrySettings(url, null, null, null, null, null, null);
    }

    public boolean hasUrl() {
        return url != null && !url.isBlank();
    }

    public boolean hasCredentials() {
        return username != null && !username.isEmpty();
    }

    /** The base URL as a URI; IllegalArgumentException in the configuration's words when it is not http(s). */
    public URI baseUri() {
        try {
            URI uri = new URI(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new IllegalArgumentException("schema-registry.url must be an http:// or https:// URL, got "
                        + maskedUrl());
            }
            if (uri.getUserInfo() != null) {
                throw new IllegalArgumentException("schema-registry.url must not carry credentials: set "
                        + "schema-registry.username and schema-registry.password");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("schema-registry.url is not a URL: " + e.getMessage());
        }
    }

    /** The URL with any user info replaced by ***: safe to print. */
    public String maskedUrl() {
        return url == null ? null : url.replaceFirst("^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@]*@", "$1***@");
    }

    @Override
    public String toString() {
        return "RegistrySettings[url=" + maskedUrl() + ", username=" + username + ", password=" + mask(password)
                + ", truststore=" + truststore + ", truststorePassword=" + mask(truststorePassword)
                + ", keystore=" + keystore + ", keystorePassword=" + mask(keystorePassword) + "]";
    }

    /** *** for a set secret, null for none. */
    public static String mask(String secret) {
        return secret == null || secret.isEmpty() ? secret : "***";
    }
}
