-- Kafka topic in, Kafka topic out: prompts as JSON records ({"request_id": "...", "prompt": "..."}) on
-- sluice-sql-prompts, completions as JSON records on sluice-sql-completions, until stopped (Ctrl-C).
-- Set the brokers below (every 'properties.bootstrap.servers'), then, from the repository root:
--   ./sluice sql -f conf/sql/kafka.sql
-- Offsets and the sink are committed at checkpoints. For exactly-once output, set
-- 'sink.delivery-guarantee' = 'exactly-once' and a 'sink.transactional-id-prefix' on the sink table, and read
-- it with isolation.level=read_committed.
SET 'execution.checkpointing.interval' = '10 s';
SET 'pipeline.name' = 'sluice-sql-kafka';

CREATE TABLE prompts (
  request_id STRING,
  prompt STRING
) WITH (
  'connector' = 'kafka',
  'topic' = 'sluice-sql-prompts',
  'properties.bootstrap.servers' = 'localhost:9092',
  'properties.group.id' = 'sluice-sql',
  'scan.startup.mode' = 'group-offsets',
  'properties.auto.offset.reset' = 'earliest',
  'format' = 'json'
);

CREATE TABLE completions (
  request_id STRING,
  completion STRING,
  finish_reason STRING,
  prompt_tokens INT,
  completion_tokens INT,
  ttft_ms DOUBLE
) WITH (
  'connector' = 'kafka',
  'topic' = 'sluice-sql-completions',
  'properties.bootstrap.servers' = 'localhost:9092',
  'format' = 'json'
);

CREATE MODEL bard
  INPUT (prompt STRING)
  OUTPUT (completion STRING, finish_reason STRING, prompt_tokens INT, completion_tokens INT, ttft_ms DOUBLE)
  WITH (
    'provider' = 'sluice',
    'model.path' = 'models/shakespeare.gguf',
    'max-tokens' = '64',
    'temperature' = '0.8'
  );

INSERT INTO completions
SELECT request_id, completion, finish_reason, prompt_tokens, completion_tokens, ttft_ms
FROM ML_PREDICT(TABLE prompts, MODEL bard, DESCRIPTOR(prompt));
