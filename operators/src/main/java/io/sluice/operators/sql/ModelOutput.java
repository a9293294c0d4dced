package io.sluice.operators.sql;

import io.sluice.engine.Completion;
import io.sluice.engine.FinishReason;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeFamily;
import org.apache.flink.table.types.logical.LogicalTypeRoot;

/**
 * The model's {@code OUTPUT} columns, chosen by name out of {@link Field}, in the user's order and types.
 * An unknown name or an unsupported type is a planning error. A failed row (see
 * {@link SluiceModelOptions.ErrorHandling#OUTPUT}) has {@code finish_reason} = {@code error: ...} and null
 * in every other column.
 */
record ModelOutput(List<Field> fields, List<LogicalTypeRoot> types) implements Serializable {

    /** What a model can output. */
    enum Field {
        COMPLETION(true),
        FINISH_REASON(true),
        PROMPT_TOKENS(false),
        COMPLETION_TOKENS(false),
        TTFT_MS(false);

        private final boolean text;

        Field(boolean text) {
            this.text = text;
        }

        String columnName() {
            return name().toLowerCase(Locale.ROOT);
        }

        static String names() {
            return Arrays.stream(values()).map(Field::columnName).collect(Collectors.joining(", "));
        }
    }

    static ModelOutput of(ResolvedSchema schema, SluiceModelOptions.ErrorHandling errors) {
        List<Field> fields = new ArrayList<>();
        List<LogicalTypeRoot> types = new ArrayList<>();
        for (Column column : schema.getColumns()) {
            Field field = Arrays.stream(Field.values()).filter(f -> f.columnName().equals(column.getName()))
                    .findFirst().orElseThrow(() -> new ValidationException("unknown output column '"
                            + column.getName() + "' of a sluice model; it can output " + Field.names()));
            if (fields.contains(field)) {
                throw new ValidationException("output column '" + column.getName() + "' is declared twice");
            }
            LogicalType type = column.getDataType().getLogicalType();
            boolean ok = field.text ? type.is(LogicalTypeFamily.CHARACTER_STRING)
                    : field == Field.TTFT_MS ? type.is(LogicalTypeFamily.NUMERIC) && !type.is(LogicalTypeRoot.DECIMAL)
                    : type.is(LogicalTypeRoot.INTEGER) || type.is(LogicalTypeRoot.BIGINT);
            if (!ok) {
                throw new ValidationException("output column '" + column.getName() + "' of a sluice model must be "
                        + (field.text ? "STRING" : field == Field.TTFT_MS ? "DOUBLE, FLOAT, BIGINT or INT"
                        : "INT or BIGINT") + ", not " + column.getDataType());
            }
            if (field != Field.FINISH_REASON && !type.isNullable()
                    && errors == SluiceModelOptions.ErrorHandling.OUTPUT) {
                throw new ValidationException("output column '" + column.getName() + "' must be nullable: a failed "
                        + "row has null there (error-handling-strategy 'output')");
            }
            fields.add(field);
            types.add(type.getTypeRoot());
        }
        if (fields.isEmpty()) {
            throw new ValidationException("a sluice model needs at least one output column out of " + Field.names());
        }
        return new ModelOutput(List.copyOf(fields), List.copyOf(types));
    }

    RowData answer(Completion c) {
        GenericRowData row = new GenericRowData(fields.size());
        for (int i = 0; i < fields.size(); i++) {
            Field f = fields.get(i);
            Object value = switch (f) {
                case COMPLETION -> c.text() == null ? "" : c.text();
                case FINISH_REASON -> (c.finishReason() == null ? FinishReason.STOP : c.finishReason()).wireName();
                case PROMPT_TOKENS -> (double) c.promptTokens();
                case COMPLETION_TOKENS -> (double) c.completionTokens();
                case TTFT_MS -> c.timings() == null ? 0.0 : c.timings().timeToFirstTokenMs();
            };
            row.setField(i, convert(value, types.get(i)));
        }
        return row;
    }

    RowData failure(String reason) {
        GenericRowData row = new GenericRowData(fields.size());
        int finish = fields.indexOf(Field.FINISH_REASON);
        if (finish >= 0) {
            row.setField(finish, StringData.fromString("error: " + reason));
        }
        return row;
    }

    private static Object convert(Object value, LogicalTypeRoot type) {
        if (value instanceof String s) {
            return StringData.fromString(s);
        }
        double d = (Double) value;
        return switch (type) {
            case TINYINT -> (byte) Math.round(d);
            case SMALLINT -> (short) Math.round(d);
            case INTEGER -> (int) Math.round(d);
            case BIGINT -> Math.round(d);
            case FLOAT -> (float) d;
            case DOUBLE -> d;
            default -> throw new IllegalStateException("unsupported output type " + type);
        };
    }
}
