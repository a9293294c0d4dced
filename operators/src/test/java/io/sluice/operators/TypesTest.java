package io.sluice.operators;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.sluice.operators.model.PendingRequest;
import io.sluice.operators.model.RawRecord;
import io.sluice.operators.model.RequestBatch;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.junit.jupiter.api.Test;

/** The stream and state types are serialized by Flink's POJO and Avro serializers, never by Kryo. */
class TypesTest {

    @Test
    void recordsArePojosWithAvroFields() {
        for (Class<?> type : new Class<?>[] {RawRecord.class, PendingRequest.class, RequestBatch.class}) {
            TypeInformation<?> info = TypeInformation.of(type);
            assertInstanceOf(PojoTypeInfo.class, info, type.getSimpleName());
            assertFalse(info.toString().contains("GenericType"), info.toString());
        }
        PojoTypeInfo<PendingRequest> pending = (PojoTypeInfo<PendingRequest>) TypeInformation.of(PendingRequest.class);
        assertInstanceOf(AvroTypeInfo.class, pending.getTypeAt(pending.getFieldIndex("request")));
        assertFalse(pending.getTypeAt(pending.getFieldIndex("source")) instanceof GenericTypeInfo);
    }
}
