package io.sluice.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SqlScriptTest {

    private static List<String> sql(String script) {
        return SqlScript.parse(script).stream().map(SqlScript.Statement::sql).toList();
    }

    @Test
    void statementsEndAtSemicolonsOutsideQuotesAndComments() {
        String script = """
                -- a comment; not a statement
                SET 'pipeline.name' = 'a;b';
                CREATE TABLE t (`a;b` STRING, "c;d" INT) WITH ('k' = 'it''s; fine'); /* block;
                comment */ SELECT 'x -- y' FROM t -- trailing; comment
                ;
                ;  -- empty statements are dropped
                INSERT INTO s SELECT * FROM t""";
        assertEquals(List.of("SET 'pipeline.name' = 'a;b'",
                "CREATE TABLE t (`a;b` STRING, \"c;d\" INT) WITH ('k' = 'it''s; fine')",
                "SELECT 'x -- y' FROM t",
                "INSERT INTO s SELECT * FROM t"), sql(script));
        assertEquals(List.of(2, 3, 4, 7), SqlScript.parse(script).stream().map(SqlScript.Statement::line).toList());
    }

    @Test
    void aStatementSetIsOneStatementWithItsInserts() {
        List<SqlScript.Statement> both = SqlScript.parse("""
                EXECUTE STATEMENT SET BEGIN
                  INSERT INTO a SELECT * FROM t;
                  INSERT INTO b SELECT * FROM t;
                END;
                BEGIN STATEMENT SET;
                INSERT INTO c SELECT * FROM t;
                END;
                SELECT 1;
                """);
        assertEquals(3, both.size());
        assertEquals(List.of("INSERT INTO a SELECT * FROM t", "INSERT INTO b SELECT * FROM t"),
                both.get(0).statementSet());
        assertEquals(List.of("INSERT INTO c SELECT * FROM t"), both.get(1).statementSet());
        assertEquals("SELECT 1", both.get(2).sql());
        assertTrue(!both.get(2).isStatementSet());
    }

    @Test
    void unterminatedQuotesCommentsAndSetsAreNamedWithTheirLine() {
        assertEquals("line 2: unterminated string (')", assertThrows(IllegalArgumentException.class,
                () -> SqlScript.parse("SELECT 1;\nSELECT 'oops;")).getMessage());
        assertEquals("line 1: unterminated /* comment", assertThrows(IllegalArgumentException.class,
                () -> SqlScript.parse("/* SELECT 1;")).getMessage());
        assertEquals("line 1: statement set without END", assertThrows(IllegalArgumentException.class,
                () -> SqlScript.parse("BEGIN STATEMENT SET; INSERT INTO a SELECT 1;")).getMessage());
        assertEquals("line 1: END without a statement set", assertThrows(IllegalArgumentException.class,
                () -> SqlScript.parse("END;")).getMessage());
    }
}
