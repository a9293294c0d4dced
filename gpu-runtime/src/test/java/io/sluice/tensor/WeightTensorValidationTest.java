package io.sluice.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sluice.gguf.GgmlType;
import io.sluice.tensor.cpu.Backends;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class WeightTensorValidationTest {
    @Test
    void refusesUnsupportedTypesByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WeightTensor.of(GgmlType.Q2_K, TestTensors.buffer(84), 1, 256));
        assertEquals("tensor type Q2_K is not supported (supported: F32, F16, Q4_0, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, "
                + "Q6_K, BF16)", e.getMessage());
    }

    @Test
    void supportsExactlyTheTypesGgmlTypeMarksSupported() {
        for (GgmlType type : GgmlType.values()) {
            int cols = type.blockSize() == 1 ? 8 : type.blockSize();
            if (type.isSupported()) {
                WeightTensor.of(type, TestTensors.buffer((int) type.bytesFor(cols)), 1, cols);
            } else {
                assertThrows(IllegalArgumentException.class,
                        () -> WeightTensor.of(type, TestTensors.buffer((int) type.bytesFor(cols)), 1, cols), type.name());
            }
        }
    }

    @Test
    void refusesRowsThatAreNotWholeBlocks() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WeightTensor.of(GgmlType.Q4_K, TestTensors.buffer(144), 1, 128));
        assertEquals("tensor type Q4_K stores rows in blocks of 256 elements, but a row has 128", e.getMessage());
    }

    @Test
    void refusesBuffersOfTheWrongSize() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WeightTensor.of(GgmlType.Q8_0, TestTensors.buffer(34 * 4 + 1), 2, 64));
        assertEquals("a Q8_0 tensor of 2 x 64 takes 136 bytes, but its buffer holds 137", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> WeightTensor.of(GgmlType.F32, TestTensors.buffer(0), 1, 0));
        assertThrows(IllegalArgumentException.class, () -> WeightTensor.of(GgmlType.F32, null, 1, 1));
    }

    @Test
    void createsOneClassPerTypeWithItsShape() {
        Class<?>[] classes = {F32Tensor.class, F16Tensor.class, BF16Tensor.class, Q8_0Tensor.class,
            Q4_0Tensor.class, Q5_0Tensor.class, Q5_1Tensor.class, Q4_KTensor.class, Q5_KTensor.class,
            Q6_KTensor.class};
        for (int t = 0; t < TestTensors.TYPES.length; t++) {
            GgmlType type = TestTensors.TYPES[t];
            int cols = type.blockSize() == 1 ? 8 : type.blockSize();
            WeightTensor w = WeightTensor.of(type, TestTensors.buffer((int) type.bytesFor(3L * cols)), 3, cols);
            assertInstanceOf(classes[t], w);
            assertEquals(type, w.type());
            assertEquals(3, w.rows());
            assertEquals(cols, w.cols());
        }
    }

    @Test
    void readsLittleEndianWhateverTheBufferOrder() {
        ByteBuffer big = ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN);
        ByteBuffer little = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        little.putFloat(0, 1.5f).putFloat(4, -2f);
        big.put(0, little.array());
        float[] out = new float[2];
        WeightTensor.of(GgmlType.F32, big, 1, 2).dequantizeRow(0, out, 0);
        assertEquals(1.5f, out[0]);
        assertEquals(-2f, out[1]);
        assertEquals(0, big.position());
    }

    @Test
    void checksIndicesAndArrayBounds() {
        WeightTensor w = WeightTensor.of(GgmlType.Q8_0, TestTensors.buffer(34 * 4), 4, 32);
        assertThrows(IndexOutOfBoundsException.class, () -> w.dot(4, new float[32], 0));
        assertThrows(IndexOutOfBoundsException.class, () -> w.dot(0, new float[32], 1));
        assertThrows(IndexOutOfBoundsException.class, () -> w.dequantizeRow(-1, new float[32], 0));
        assertThrows(IndexOutOfBoundsException.class, () -> w.dequantizeRow(0, new float[40], 9));
        assertThrows(IllegalArgumentException.class, () -> w.matmul(new float[64], 2, new float[8], 4, 0, 3, 5));
        assertThrows(IndexOutOfBoundsException.class, () -> w.matmul(new float[63], 2, new float[8], 4, 0, 0, 4));
        assertThrows(IndexOutOfBoundsException.class, () -> w.matmul(new float[64], 2, new float[8], 4, 1, 0, 4));
        assertThrows(IndexOutOfBoundsException.class, () -> Kernels.matmul(w, new float[64], 2, new float[7]));
        w.matmul(new float[64], 2, new float[8], 4, 0, 0, 4);
        w.matmul(new float[0], 0, new float[0], 4, 0, 0, 4);
    }

    @Test
    void testJvmRunsTheVectorBackend() {
        // Surefire adds the incubator module (see the parent pom), so the fast path is what the tests check.
        assertEquals(true, Backends.vectorModulePresent());
        assertEquals("vector", Backends.active().name());
    }
}
