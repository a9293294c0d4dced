package io.sluice.operators.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.tokenizer.ChatMessage;
import java.util.List;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.StringData;
import org.junit.jupiter.api.Test;

/** How an input row becomes a prompt and a seed. */
class RowInputTest {

    @Test
    void aRowsSeedIsItsPromptAndPositionSoARerunRepeatsIt() {
        RowSeeds first = new RowSeeds();
        long a0 = first.next("text\u0000ROMEO:");
        long b0 = first.next("text\u0000JULIET:");
        long a1 = first.next("text\u0000ROMEO:");
        assertNotEquals(a0, a1, "a repeated prompt samples anew");
        assertNotEquals(a0, b0);

        RowSeeds rerun = new RowSeeds();
        assertEquals(b0, rerun.next("text\u0000JULIET:"), "other prompts in between do not matter");
        assertEquals(a0, rerun.next("text\u0000ROMEO:"));
        assertEquals(a1, rerun.next("text\u0000ROMEO:"));
    }

    @Test
    void aTextPromptWithItsSeedColumn() {
        ModelInput input = ModelInput.of(ResolvedSchema.of(Column.physical("prompt", DataTypes.STRING()),
                Column.physical("id", DataTypes.BIGINT())));
        ModelInput.Prompt p = input.read(GenericRowData.of(StringData.fromString("ROMEO:"), 42L));
        assertEquals("ROMEO:", p.text());
        assertEquals(42L, p.seed());
        ModelInput.Prompt noSeed = input.read(GenericRowData.of(StringData.fromString(""), null));
        assertNull(noSeed.seed());
        assertTrue(noSeed.isEmpty());
        assertTrue(input.read(GenericRowData.of(null, 1L)).isNull());
    }

    @Test
    void chatMessagesByFieldName() {
        ModelInput input = ModelInput.of(ResolvedSchema.of(Column.physical("messages", DataTypes.ARRAY(
                DataTypes.ROW(DataTypes.FIELD("content", DataTypes.STRING()),
                        DataTypes.FIELD("role", DataTypes.STRING()))))));
        GenericRowData row = GenericRowData.of(new GenericArrayData(new Object[] {
                GenericRowData.of(StringData.fromString("Be brief."), StringData.fromString("system")),
                GenericRowData.of(StringData.fromString("Who art thou?"), StringData.fromString("user"))}));
        ModelInput.Prompt p = input.read(row);
        assertEquals(List.of(new ChatMessage("system", "Be brief."), new ChatMessage("user", "Who art thou?")),
                p.messages());
        assertNull(p.seed());
        assertTrue(!p.isEmpty());
        assertNotEquals(p.key(), input.read(GenericRowData.of(new GenericArrayData(new Object[] {
                GenericRowData.of(StringData.fromString("Be brief.Who art thou?"), StringData.fromString("user"))})))
                .key());
    }
}
