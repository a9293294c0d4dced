package io.sluice.job;

import io.sluice.job.bulk.AppendingFileSink;
import io.sluice.job.bulk.AvroFileRequestDecoder;
import io.sluice.job.bulk.AvroPromptFiles;
import io.sluice.job.bulk.BulkFileFormat;
import io.sluice.job.bulk.PerFileFormat;
import io.sluice.job.bulk.UnansweredDeadLetters;
import io.sluice.job.bulk.UnansweredRequests;
import io.sluice.operators.batch.MicroBatcher;
import io.sluice.operators.inference.EngineProvider;
import io.sluice.operators.inference.InferenceOperatorFactory;
import io.sluice.operators.model.PendingRequest;
import io.sluice.operators.model.RawRecord;
import io.sluice.operators.model.RequestBatch;
import io.sluice.operators.validate.AvroRequestDecoder;
import io.sluice.operators.validate.ConfluentRequestDecoder;
import io.sluice.operators.validate.DeadLetterTruncation;
import io.sluice.operators.validate.DeadLetters;
import io.sluice.operators.validate.JsonRequestDecoder;
import io.sluice.operators.validate.RequestDecoder;
import io.sluice.operators.validate.RequestValidator;
import io.sluice.operators.validate.TopicFormat;
import io.sluice.schemas.Completion;
import io.sluice.schemas.DeadLetter;
import java.util.Properties;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.fs.Path;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * Sluice's dataflow: raw records → validation (dead letters on a side output) → micro-batcher → inference
 * → completions, and the dead letters of both stages to their own sink. The streaming job reads Kafka and
 * writes Kafka (exactly once with transactions, by default), each topic in its configured format (Avro
 * single-object encoding, JSON, or Avro with a Schema Registry); the bulk job reads files (JSON lines or Avro
 * container files) in batch execution mode and appends its results to files in either format, resuming.
 * Source, validation, batcher and inference are chained into
 * one task, so that a busy engine stops the source directly (nothing buffers between them).
 */
public final class SluicePipeline {

    /** The two outputs of the processing stages. */
    public record Outputs(DataStream<Completion> completions, DataStream<DeadLetter> deadLetters) {
    }

    private SluicePipeline() {
    }

    /** Validation, micro-batching and inference on a stream of raw records. */
    public static Outputs process(DataStream<RawRecord> raw, JobConfig config, RequestDecoder decoder,
                                  EngineProvider provider) {
        return process(raw, config, decoder, provider, null);
    }

    /** The same, with {@code admit} choosing which valid requests go on to inference (null: all). */
    static Outputs process(DataStream<RawRecord> raw, JobConfig config, RequestDecoder decoder,
                           EngineProvider provider, FilterFunction<PendingRequest> admit) {
        SingleOutputStreamOperator<PendingRequest> valid = raw
                .process(new RequestValidator(decoder, config.validationLimits()),
                        TypeInformation.of(PendingRequest.class))
                .name("validate").uid("sluice-validate");
        DataStream<PendingRequest> admitted = admit == null ? valid
                : valid.filter(admit).name("unanswered").uid("sluice-bulk-unanswered");
        SingleOutputStreamOperator<RequestBatch> batches = admitted
                .transform("micro-batch", TypeInformation.of(RequestBatch.class), new MicroBatcher(config.batchLimits()))
                .uid("sluice-micro-batch");
        SingleOutputStreamOperator<Completion> completions = batches
                .transform("inference", new AvroTypeInfo<>(Completion.class),
                        new InferenceOperatorFactory(provider, config.inferenceSettings()))
                .uid("sluice-inference");
        DataStream<DeadLetter> deadLetters = valid.getSideOutput(DeadLetters.TAG)
                .union(completions.getSideOutput(DeadLetters.TAG))
                .map(new DeadLetterTruncation(config.limits().deadLetterOriginalBytes()),
                        new AvroTypeInfo<>(DeadLetter.class))
                .name("dead-letter-size").uid("sluice-dead-letter-size");
        return new Outputs(completions, deadLetters);
    }

    /** Applies the job's execution settings: parallelism, checkpointing, Flink options, no Kryo. */
    public static void configure(StreamExecutionEnvironment env, JobConfig config) {
        Configuration flink = new Configuration();
        // Every stream and state type has a Flink (POJO or Avro) serializer: a Kryo fallback is a bug.
        flink.set(PipelineOptions.GENERIC_TYPES, false);
        flink.addAll(Configuration.fromMap(config.flink()));
        env.configure(flink, SluicePipeline.class.getClassLoader());
        env.setParallelism(config.parallelism());
        if (config.isBulk()) {
            env.setRuntimeMode(RuntimeExecutionMode.BATCH);
        } else {
            env.setRuntimeMode(RuntimeExecutionMode.STREAMING);
            env.enableCheckpointing(config.checkpointIntervalMs(), CheckpointingMode.EXACTLY_ONCE);
        }
    }

    /** The streaming job: Kafka prompts → completions and dead letters on Kafka. */
    public static void kafka(StreamExecutionEnvironment env, JobConfig config, EngineProvider provider) {
        configure(env, config);
        JobConfig.Kafka kafka = config.kafka();
        KafkaSourceBuilder<RawRecord> source = KafkaSource.<RawRecord>builder()
                .setBootstrapServers(kafka.bootstrapServers())
                .setTopics(kafka.inputTopic())
                .setGroupId(kafka.groupId())
                .setStartingOffsets(startingOffsets(kafka.startingOffsets()))
                .setDeserializer(new RawRecordDeserializer())
                .setProperties(properties(kafka))
                // Records of aborted producer transactions are not requests (JobConfig refuses another value).
                .setProperty("isolation.level", "read_committed");
        if (kafka.stopAtLatest()) {
            source.setBounded(OffsetsInitializer.latest());
        }
        DataStream<RawRecord> raw = env.fromSource(source.build(), WatermarkStrategy.noWatermarks(), "kafka-prompts")
                .uid("sluice-kafka-source");
        Outputs out = process(raw, config, decoder(config), provider);
        TopicFormat outputFormat = kafka.outputTopicFormat();
        DeliveryGuarantee guarantee = config.deliveryGuarantee();
        out.completions().sinkTo(new CloseTolerantKafkaSink<>(KafkaSink.<Completion>builder()
                        .setBootstrapServers(kafka.bootstrapServers())
                        .setKafkaProducerConfig(producerProperties(kafka))
                        .setRecordSerializer(TopicRecordSerializer.completions(kafka.outputTopic(), outputFormat,
                                config.schemaRegistry().settings()))
                        .setDeliveryGuarantee(guarantee)
                        .setTransactionalIdPrefix(kafka.transactionalIdPrefix() + "-completions")
                        .build()))
                .name("kafka-completions").uid("sluice-kafka-completions");
        out.deadLetters().sinkTo(new CloseTolerantKafkaSink<>(KafkaSink.<DeadLetter>builder()
                        .setBootstrapServers(kafka.bootstrapServers())
                        .setKafkaProducerConfig(producerProperties(kafka))
                        .setRecordSerializer(TopicRecordSerializer.deadLetters(kafka.deadLetterTopic(), outputFormat,
                                config.schemaRegistry().settings()))
                        .setDeliveryGuarantee(guarantee)
                        .setTransactionalIdPrefix(kafka.transactionalIdPrefix() + "-dead-letters")
                        .build()))
                .name("kafka-dead-letters").uid("sluice-kafka-dead-letters");
    }

    /**
     * The bulk job, in batch mode: PromptRequests from files (JSON lines or Avro container files) → completions
     * and dead letters appended to part files (JSON lines or Avro) under the output directory. Requests the
     * output already answers are skipped, so a rerun over the same input and output resumes.
     */
    public static void bulk(StreamExecutionEnvironment env, JobConfig config, EngineProvider provider) {
        configure(env, config);
        JobConfig.Bulk bulk = config.bulk();
        BulkFileFormat inputFormat = bulk.inputFileFormat();
        BulkFileFormat outputFormat = bulk.outputFileFormat();
        FileSource<RawRecord> source = FileSource
                .forBulkFileFormat(new PerFileFormat(inputFormat), new Path(bulk.input())).build();
        DataStream<RawRecord> raw = env.fromSource(source, WatermarkStrategy.noWatermarks(),
                        inputFormat.configName() + "-prompts")
                .uid("sluice-file-source");
        RequestDecoder decoder = inputFormat == BulkFileFormat.AVRO
                ? new AvroFileRequestDecoder(AvroPromptFiles.writerSchemas(bulk.input())) : new JsonRequestDecoder();
        java.nio.file.Path output = java.nio.file.Path.of(bulk.output()).toAbsolutePath();
        Outputs out = process(raw, config, decoder, provider, new UnansweredRequests(output));
        out.completions().sinkTo(AppendingFileSink.completions(output, outputFormat))
                .name("completion-files").uid("sluice-completion-files");
        out.deadLetters().filter(new UnansweredDeadLetters(output)).name("unwritten-dead-letters")
                .uid("sluice-bulk-unwritten-dead-letters")
                .sinkTo(AppendingFileSink.deadLetters(output, outputFormat))
                .name("dead-letter-files").uid("sluice-dead-letter-files");
    }

    /** The decoder of the prompt topic's format. */
    static RequestDecoder decoder(JobConfig config) {
        return switch (config.kafka().inputFormat()) {
            case AVRO -> new AvroRequestDecoder();
            case JSON -> new JsonRequestDecoder();
            case AVRO_CONFLUENT -> new ConfluentRequestDecoder(config.schemaRegistry().settings());
        };
    }

    private static OffsetsInitializer startingOffsets(String mode) {
        return switch (mode) {
            case "earliest" -> OffsetsInitializer.earliest();
            case "latest" -> OffsetsInitializer.latest();
            default -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
        };
    }

    private static Properties properties(JobConfig.Kafka kafka) {
        Properties p = new Properties();
        p.putAll(kafka.properties());
        return p;
    }

    private static Properties producerProperties(JobConfig.Kafka kafka) {
        Properties p = properties(kafka);
        // Below the broker's transaction.max.timeout.ms (15 minutes by default); Flink's default is an hour.
        p.setProperty("transaction.timeout.ms", Long.toString(kafka.transactionTimeoutMs()));
        return p;
    }
}
