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
 * {@code model.path} as the TaskManagers see it, and submits it to the cluster {@code flink run} targets.
 */
public final class SluiceJob {
    private static final Logger LOG = LoggerFactory.getLogger(SluiceJob.class);

    private SluiceJob() {
    }

    public static void main(String[] args) throws Exception {
        Path configFile = null;
        List<String> overrides = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--config" -> configFile = Path.of(value(args, ++i, "--config"));
                case "--set" -> overrides.add(value(args, ++i, "--set"));
                default -> throw new IllegalArgumentException("unknown argument '" + args[i]
                        + "' (usage: --config FILE [--set KEY=VALUE ...])");
            }
        }
        JobConfig config = JobConfigLoader.load(configFile, overrides);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        build(env, config);
        env.execute(jobName(config));
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
