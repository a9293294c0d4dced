-- Files in, files out: every prompt of conf/prompts.jsonl through the bundled model, completions as JSON
-- lines under sluice-out/sql-completions/. Run from the repository root:
--   ./sluice sql -f conf/sql/files.sql

CREATE TABLE prompts (
  request_id STRING,
  prompt STRING
) WITH (
  'connector' = 'filesystem',
  'path' = 'conf/prompts.jsonl',
  'format' = 'json'
);

CREATE TABLE completions (
  request_id STRING,
  prompt STRING,
  completion STRING,
  finish_reason STRING,
  completion_tokens INT
) WITH (
  'connector' = 'filesystem',
  'path' = 'sluice-out/sql-completions',
  'format' = 'json'
);

CREATE MODEL bard
  INPUT (prompt STRING)
  OUTPUT (completion STRING, finish_reason STRING, completion_tokens INT)
  WITH (
    'provider' = 'sluice',
    'model.path' = 'models/shakespeare.gguf',
    'max-tokens' = '64',
    'temperature' = '0.8'
  );

INSERT INTO completions
SELECT request_id, prompt, completion, finish_reason, completion_tokens
FROM ML_PREDICT(TABLE prompts, MODEL bard, DESCRIPTOR(prompt));

-- The completions just written, as a table.
SELECT request_id, finish_reason, completion_tokens FROM completions;
