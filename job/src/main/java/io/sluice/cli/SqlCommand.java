package io.sluice.cli;

import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.ResultKind;
import org.apache.flink.table.api.SqlParserException;
import org.apache.flink.table.api.StatementSet;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.ValidationException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sluice sql -f FILE}: runs a Flink SQL script in a local Flink cluster inside this process, as Flink's
 * SQL client does with {@code -f}: statements separated by {@code ;}, {@code SET 'key' = 'value'} and
 * {@code RESET 'key'} change the session's configuration (before the first other statement also the
 * runtime mode: {@code SET 'execution.runtime-mode' = 'batch'}), query results are printed as a table, and an
 * INSERT (or statement set) runs to its end before the next statement, so with bounded sources its output
 * is complete when the command returns. The jar carries the {@code sluice} model provider, the filesystem
 * and Kafka connectors, and the json, csv and avro formats.
 */
@Command(name = "sql", mixinStandardHelpOptions = true,
        description = "Run a Flink SQL script (CREATE MODEL ... WITH ('provider' = 'sluice'), ML_PREDICT) locally.")
final class SqlCommand implements Callable<Integer> {

    private static final Pattern SET = Pattern.compile("(?is)SET\\s+'((?:[^']|'')*)'\\s*=\\s*'((?:[^']|'')*)'");
    private static final Pattern RESET = Pattern.compile("(?is)RESET\\s+'((?:[^']|'')*)'");

    @Spec
    CommandSpec spec;

    @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE", description = "The SQL script.")
    Path file;

    @Override
    public Integer call() throws Exception {
        Path script = HomePaths.requireFile(file, "SQL script");
        List<SqlScript.Statement> statements;
        try {
            statements = SqlScript.parse(Files.readString(script, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new UserError(file + ": " + e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (Session session = new Session()) {
            runAll(session, statements, out, err);
        }
        return 0;
    }

    private void runAll(Session session, List<SqlScript.Statement> statements, PrintWriter out, PrintWriter err)
            throws Exception {
        for (SqlScript.Statement s : statements) {
            try {
                run(session, s, err);
            } catch (SqlParserException | ValidationException e) {
                throw new UserError(file + ":" + s.line() + ": " + describe(e), e);
            } catch (ExecutionException e) {
                throw new IllegalStateException(file + ":" + s.line() + ": the job failed: " + describe(e), e);
            } catch (org.apache.flink.table.api.TableException e) {
                throw new IllegalStateException(file + ":" + s.line() + ": " + describe(e), e);
            }
            out.flush();
        }
    }

    /**
     * The table environment and the local cluster its jobs run on, created at the first statement that needs
     * them, so that the SETs before it (e.g. {@code parallelism.default}) configure them. One cluster for the
     * whole script, closed at its end: statements share it, and nothing of it outlives the command.
     */
    private static final class Session implements AutoCloseable {
        private final Configuration pending = new Configuration();
        private TableEnvironment env;
        private MiniCluster cluster;

        void set(String key, String value) {
            if (env == null) {
                pending.setString(key, value);
            } else {
                env.getConfig().set(key, value);
            }
        }

        void reset(String key) {
            if (env == null) {
                pending.removeKey(key);
            } else {
                env.getConfig().getConfiguration().removeKey(key);
            }
        }

        TableEnvironment env() throws Exception {
            if (env == null) {
                int cores = Runtime.getRuntime().availableProcessors();
                int parallelism = pending.getOptional(CoreOptions.DEFAULT_PARALLELISM).orElse(cores);
                Configuration clusterConfig = new Configuration(pending);
                clusterConfig.set(RestOptions.BIND_PORT, "0");
                cluster = new MiniCluster(new MiniClusterConfiguration.Builder().setConfiguration(clusterConfig)
                        .setNumTaskManagers(1).setNumSlotsPerTaskManager(Math.max(cores, parallelism)).build());
                cluster.start();
                URI rest = cluster.getRestAddress().get();
                Configuration config = new Configuration(pending);
                config.set(CoreOptions.DEFAULT_PARALLELISM, parallelism);
                config.set(DeploymentOptions.TARGET, "remote");
                config.set(RestOptions.ADDRESS, rest.getHost());
                config.set(RestOptions.PORT, rest.getPort());
                env = TableEnvironment.create(EnvironmentSettings.newInstance().withConfiguration(config).build());
            }
            return env;
        }

        @Override
        public void close() throws Exception {
            if (cluster != null) {
                cluster.close();
            }
        }
    }

    private static void run(Session session, SqlScript.Statement s, PrintWriter err) throws Exception {
        Matcher set = SET.matcher(s.sql());
        if (set.matches()) {
            session.set(unquote(set.group(1)), unquote(set.group(2)));
            return;
        }
        Matcher reset = RESET.matcher(s.sql());
        if (reset.matches()) {
            session.reset(unquote(reset.group(1)));
            return;
        }
        TableEnvironment env = session.env();
        if (s.isStatementSet()) {
            StatementSet set2 = env.createStatementSet();
            for (String insert : s.statementSet()) {
                set2.addInsertSql(insert);
            }
            finish(set2.execute(), s, err);
            return;
        }
        TableResult result = env.executeSql(s.sql());
        String verb = s.sql().split("\\s+", 2)[0].toUpperCase(Locale.ROOT);
        if (verb.equals("INSERT") || verb.equals("EXECUTE")) {
            finish(result, s, err);
        } else if (result.getResultKind() == ResultKind.SUCCESS_WITH_CONTENT) {
            result.print(); // a query (runs to its end on bounded sources), SHOW, DESCRIBE, EXPLAIN
        }
    }

    /** Waits for an INSERT's job to end (its sinks have then committed everything). */
    private static void finish(TableResult result, SqlScript.Statement s, PrintWriter err) throws Exception {
        long start = System.nanoTime();
        result.await();
        String job = result.getJobClient().map(c -> ", job " + c.getJobID()).orElse("");
        err.printf(Locale.ROOT, "sql: line %d: finished in %.1f s%s%n", s.line(), (System.nanoTime() - start) / 1e9,
                job);
        err.flush();
    }

    private static String unquote(String s) {
        return s.replace("''", "'");
    }

    /** The first line of the error and of its deepest cause, when that says something more. */
    private static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String top = firstLine(e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e);
        String deepest = firstLine(root);
        return root == e || top.contains(deepest) ? top : top + " " + deepest;
    }

    private static String firstLine(Throwable t) {
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage().strip();
        return m.lines().findFirst().orElse(m);
    }
}
