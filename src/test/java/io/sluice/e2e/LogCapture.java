package io.sluice.e2e;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/**
 * Every log line of this JVM while open, with every logger at INFO or finer (Kafka's and Flink's too), so a
 * test can check what the logs say — or must never say.
 */
final class LogCapture extends AbstractAppender implements AutoCloseable {
    private final List<String> lines = new ArrayList<>();
    private final Map<String, Level> previousLevels = new HashMap<>();
    /** The loggers' own appenders (the console), detached while capturing so that INFO does not flood them. */
    private final Map<String, Map<String, Appender>> detached = new HashMap<>();
    private final LoggerContext context;

    private LogCapture(LoggerContext context) {
        super("sluice-test-capture", null, null, true, Property.EMPTY_ARRAY);
        this.context = context;
    }

    static LogCapture everythingAtInfo() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        LogCapture capture = new LogCapture(context);
        capture.start();
        Configuration config = context.getConfiguration();
        config.addAppender(capture);
        for (LoggerConfig logger : config.getLoggers().values()) {
            capture.previousLevels.put(logger.getName(), logger.getLevel());
            Map<String, Appender> own = new HashMap<>(logger.getAppenders());
            capture.detached.put(logger.getName(), own);
            own.keySet().forEach(logger::removeAppender);
            if (logger.getLevel().isMoreSpecificThan(Level.INFO)) {
                logger.setLevel(Level.INFO);
            }
            logger.addAppender(capture, Level.ALL, null);
        }
        context.updateLoggers();
        return capture;
    }

    @Override
    public void append(LogEvent event) {
        StringBuilder line = new StringBuilder(event.getLoggerName()).append(' ')
                .append(event.getMessage().getFormattedMessage());
        if (event.getThrown() != null) {
            StringWriter trace = new StringWriter();
            event.getThrown().printStackTrace(new PrintWriter(trace));
            line.append('\n').append(trace);
        }
        synchronized (lines) {
            lines.add(line.toString());
        }
    }

    List<String> lines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    @Override
    public void close() {
        Configuration config = context.getConfiguration();
        for (LoggerConfig logger : config.getLoggers().values()) {
            logger.removeAppender(getName());
            detached.getOrDefault(logger.getName(), Map.of()).values()
                    .forEach(appender -> logger.addAppender(appender, null, null));
            Level previous = previousLevels.get(logger.getName());
            if (previous != null) {
                logger.setLevel(previous);
            }
        }
        context.updateLoggers();
        stop();
    }
}
