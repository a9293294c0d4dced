package io.sluice.job;

import io.sluice.operators.inference.EngineProvider;
import io.sluice.operators.inference.SharedEngineProvider;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The job's entry point for {@code flink run}: {@code flink run sluice-job.jar --config job.yaml
 * [--set key=value ...]}. Builds the Kafka (or bulk) pipeline on Sluice's engine, with the model file at
 * {@code model.path} as the TaskManagers see it, and submits it to the cluster {@code flink run} targets —
 * after {@link SubmitPreflight} has checked the brokers (and the model, where this machine has it), so that
 * a wrong password or unreachable brokers end the submission with one line instead of restarts.
 * {@code --skip-broker-check} skips the brokers, for brokers that only the cluster can reach.
 */
public final class SluiceJob {
    private static final Logger LOG = LoggerFactory.getLogger(SluiceJob.class);

    private SluiceJob() {
    }

    public static void main(String[] args) throws Exception {
        JobConfig config = checkedConfig(args);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        build(env, config);
        env.execute(jobName(config));
    }

    /**
     * The configuration the arguments name, checked as far as this machine can ({@link SubmitPreflight}) before
     * anything is submitted. A mistake is one line on standard error ({@code sluice: ...}) and a
     * {@link SubmissionRefused} that carries the same line, which {@code flink run} reports with exit status 1.
     */
    static JobConfig checkedConfig(String[] args) {
        try {
            Path configFile = null;
            List<String> overrides = new ArrayList<>();
            boolean brokers = true;
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--config" -> configFile = Path.of(value(args, ++i, "--config"));
                    case "--set" -> overrides.add(value(args, ++i, "--set"));
                    case "--skip-broker-check" -> brokers = false;
                    default -> throw new IllegalArgumentException("unknown argument '" + args[i]
                            + "' (usage: --config FILE [--set KEY=VALUE ...] [--skip-broker-check])");
                }
            }
            JobConfig config = JobConfigLoader.load(configFile, overrides);
            for (String skipped : SubmitPreflight.check(config, brokers)) {
                LOG.warn("{}: {}", jobName(config), skipped);
            }
            return config;
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            String line = "sluice: " + String.valueOf(e.getMessage()).lines().findFirst().orElse("");
            System.err.println(line);
            System.err.flush();
            throw new SubmissionRefused(line);
        }
    }

    /** The job was not submitted: the line says why; no stack trace, it would only bury the line. */
    static final class SubmissionRefused extends RuntimeException {
        private static final long serialVersionUID = 1L;

        SubmissionRefused(String line) {
            super(line, null, false, false);
        }
    }

    /** Builds the pipeline the configuration asks for on the engine it names. */
    public static void build(StreamExecutionEnvironment env, JobConfig config) {
        LOG.info("{}: the effective configuration (secrets masked):\n{}", jobName(config), config);
        EngineProvider provider = new FailFastEngineProvider(new SharedEngineProvider(config.engineSettings()));
        if (config.isBulk()) {
            SluicePipeline.bulk(env, config, provider);
        } else {
            SluicePipeline.kafka(env, config, provider);
        }
    }

    public static String jobName(JobConfig config) {
        return "sluice " + config.model().name() + (config.isBulk() ? " (bulk)" : " (" + config.kafka().inputTopic()
                + " -> " + config.kafka().outputTopic() + ")");
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }
}
