package io.sluice.operators.sql;

import io.sluice.tokenizer.ChatMessage;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.data.ArrayData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeFamily;
import org.apache.flink.table.types.logical.LogicalTypeRoot;
import org.apache.flink.table.types.logical.RowType;

/**
 * How a model's {@code INPUT} columns become a prompt. The first column is the prompt: a {@code STRING}
 * (text, tokenized by the model's tokenizer) or an {@code ARRAY<ROW<role STRING, content STRING>>} (chat
 * messages, rendered with the model's chat template). An optional second integer column is the row's
 * sampling seed (a null seed: the default one).
 *
 * @param chat whether the prompt is chat messages
 * @param roleField index of {@code role} in the message row (chat only)
 * @param contentField index of {@code content} in the message row (chat only)
 * @param seedType type of the seed column, or null when there is none
 */
record ModelInput(boolean chat, int roleField, int contentField, LogicalTypeRoot seedType) implements Serializable {

    /** The prompt of one input row: text or messages (null when the row's prompt is null), and its own seed. */
    record Prompt(String text, List<ChatMessage> messages, Long seed) {
        boolean isNull() {
            return text == null && messages == null;
        }

        boolean isEmpty() {
            return text != null ? text.isEmpty()
                    : messages != null && messages.stream().allMatch(m -> m.content().isEmpty());
        }

        /** The prompt as one string that tells different prompts apart (for seeds). */
        String key() {
            if (text != null) {
                return "text\u0000" + text;
            }
            StringBuilder b = new StringBuilder("chat");
            for (ChatMessage m : messages) {
                b.append('\u0000').append(m.role()).append('\u0001').append(m.content());
            }
            return b.toString();
        }
    }

    /** Checks the model's input schema; a schema Sluice cannot read is a planning error naming the column. */
    static ModelInput of(ResolvedSchema schema) {
        List<Column> columns = schema.getColumns();
        if (columns.isEmpty() || columns.size() > 2) {
            throw new ValidationException("a sluice model takes one input column (the prompt: STRING or "
                    + "ARRAY<ROW<role STRING, content STRING>>) and optionally a second one (the row's seed: "
                    + "BIGINT or INT), got " + columns.size() + " columns");
        }
        Column prompt = columns.get(0);
        LogicalType type = prompt.getDataType().getLogicalType();
        boolean chat;
        int role = -1;
        int content = -1;
        if (type.is(LogicalTypeFamily.CHARACTER_STRING)) {
            chat = false;
        } else if (type instanceof ArrayType array && array.getElementType() instanceof RowType row
                && row.getFieldCount() == 2) {
            role = row.getFieldIndex("role");
            content = row.getFieldIndex("content");
            if (role < 0 || content < 0 || !row.getTypeAt(role).is(LogicalTypeFamily.CHARACTER_STRING)
                    || !row.getTypeAt(content).is(LogicalTypeFamily.CHARACTER_STRING)) {
                throw badPrompt(prompt);
            }
            chat = true;
        } else {
            throw badPrompt(prompt);
        }
        LogicalTypeRoot seed = null;
        if (columns.size() == 2) {
            Column seedColumn = columns.get(1);
            seed = seedColumn.getDataType().getLogicalType().getTypeRoot();
            if (seed != LogicalTypeRoot.BIGINT && seed != LogicalTypeRoot.INTEGER) {
                throw new ValidationException("the second input column of a sluice model is the row's seed and must "
                        + "be BIGINT or INT; '" + seedColumn.getName() + "' is " + seedColumn.getDataType());
            }
        }
        return new ModelInput(chat, role, content, seed);
    }

    private static ValidationException badPrompt(Column column) {
        return new ValidationException("the input column '" + column.getName() + "' of a sluice model must be "
                + "STRING (a prompt) or ARRAY<ROW<role STRING, content STRING>> (chat messages), not "
                + column.getDataType());
    }

    Prompt read(RowData row) {
        Long seed = null;
        if (seedType != null && !row.isNullAt(1)) {
            seed = seedType == LogicalTypeRoot.BIGINT ? row.getLong(1) : (long) row.getInt(1);
        }
        if (row.isNullAt(0)) {
            return new Prompt(null, null, seed);
        }
        if (!chat) {
            return new Prompt(row.getString(0).toString(), null, seed);
        }
        ArrayData array = row.getArray(0);
        List<ChatMessage> messages = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            if (array.isNullAt(i)) {
                continue;
            }
            RowData m = array.getRow(i, 2);
            String r = m.isNullAt(roleField) ? "" : m.getString(roleField).toString();
            String c = m.isNullAt(contentField) ? "" : m.getString(contentField).toString();
            messages.add(new ChatMessage(r, c));
        }
        return new Prompt(null, messages, seed);
    }
}
