package io.sluice.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A SQL script split into statements the way Flink's SQL client reads a file: statements end at a
 * {@code ;} outside string literals ({@code '...'} with {@code ''} inside), quoted identifiers
 * ({@code "..."}, {@code `...`}) and comments ({@code -- ...} to the end of the line, {@code /* ... *}{@code /});
 * comments are dropped. A statement set ({@code EXECUTE STATEMENT SET BEGIN ... END;} or the client's
 * {@code BEGIN STATEMENT SET; ... END;}) is one statement holding its INSERTs.
 */
final class SqlScript {

    /** One statement: its text (trimmed, without the {@code ;}), the line it starts on, and a set's INSERTs. */
    record Statement(String sql, int line, List<String> statementSet) {
        boolean isStatementSet() {
            return statementSet != null;
        }
    }

    private SqlScript() {
    }

    static List<Statement> parse(String script) {
        List<Statement> pieces = split(script);
        List<Statement> statements = new ArrayList<>();
        for (int i = 0; i < pieces.size(); i++) {
            Statement s = pieces.get(i);
            String head = normalized(s.sql());
            String firstInSet = null;
            if (head.equals("BEGIN STATEMENT SET")) {
                firstInSet = "";
            } else if (head.startsWith("EXECUTE STATEMENT SET BEGIN ")) {
                firstInSet = s.sql().replaceFirst("(?is)^\\s*EXECUTE\\s+STATEMENT\\s+SET\\s+BEGIN\\s+", "");
            }
            if (firstInSet == null) {
                if (head.equals("END")) {
                    throw new IllegalArgumentException("line " + s.line() + ": END without a statement set");
                }
                statements.add(s);
                continue;
            }
            List<String> inserts = new ArrayList<>();
            if (!firstInSet.isBlank()) {
                inserts.add(firstInSet.trim());
            }
            int j = i + 1;
            while (j < pieces.size() && !normalized(pieces.get(j).sql()).equals("END")) {
                inserts.add(pieces.get(j).sql());
                j++;
            }
            if (j == pieces.size()) {
                throw new IllegalArgumentException("line " + s.line() + ": statement set without END");
            }
            statements.add(new Statement(s.sql(), s.line(), List.copyOf(inserts)));
            i = j;
        }
        return statements;
    }

    private static String normalized(String sql) {
        return sql.trim().replaceAll("\\s+", " ").toUpperCase(Locale.ROOT);
    }

    /** Splits at top-level semicolons; blank statements (only whitespace or comments) are dropped. */
    private static List<Statement> split(String script) {
        List<Statement> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int line = 1;
        int startLine = -1;
        int i = 0;
        int n = script.length();
        while (i < n) {
            char c = script.charAt(i);
            char next = i + 1 < n ? script.charAt(i + 1) : 0;
            if (c == '-' && next == '-') {
                while (i < n && script.charAt(i) != '\n') {
                    i++;
                }
                continue;
            }
            if (c == '/' && next == '*') {
                int end = script.indexOf("*/", i + 2);
                if (end < 0) {
                    throw new IllegalArgumentException("line " + line + ": unterminated /* comment");
                }
                line += count(script, i, end, '\n');
                current.append(' ');
                i = end + 2;
                continue;
            }
            if (c == ';') {
                add(out, current, startLine);
                current.setLength(0);
                startLine = -1;
                i++;
                continue;
            }
            if (!Character.isWhitespace(c) && startLine < 0) {
                startLine = line;
            }
            if (c == '\'' || c == '"' || c == '`') {
                int end = closing(script, i, c);
                if (end < 0) {
                    throw new IllegalArgumentException("line " + line + ": unterminated " + (c == '\'' ? "string"
                            : "quoted identifier") + " (" + c + ")");
                }
                line += count(script, i, end, '\n');
                current.append(script, i, end + 1);
                i = end + 1;
                continue;
            }
            if (c == '\n') {
                line++;
            }
            current.append(c);
            i++;
        }
        add(out, current, startLine);
        return out;
    }

    /** The index of the quote closing the one at {@code start}; a doubled quote is part of the text. */
    private static int closing(String s, int start, char quote) {
        int i = start + 1;
        while (i < s.length()) {
            if (s.charAt(i) == quote) {
                if (i + 1 < s.length() && s.charAt(i + 1) == quote) {
                    i += 2;
                    continue;
                }
                return i;
            }
            i++;
        }
        return -1;
    }

    private static int count(String s, int from, int to, char c) {
        int k = 0;
        for (int i = from; i < to; i++) {
            if (s.charAt(i) == c) {
                k++;
            }
        }
        return k;
    }

    private static void add(List<Statement> out, StringBuilder sql, int line) {
        String text = sql.toString().trim();
        if (!text.isEmpty()) {
            out.add(new Statement(text, line, null));
        }
    }
}
