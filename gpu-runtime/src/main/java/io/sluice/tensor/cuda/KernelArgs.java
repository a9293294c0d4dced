package io.sluice.tensor.cuda;

import java.util.ArrayList;
import java.util.List;
import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

/** The parameters of one kernel launch, in the kernel's order, as the driver API wants them (pointers to values). */
final class KernelArgs {
    private final List<NativePointerObject> values = new ArrayList<>();

    KernelArgs ptr(CUdeviceptr p) {
        values.add(Pointer.to(p));
        return this;
    }

    KernelArgs i32(int v) {
        values.add(Pointer.to(new int[] {v}));
        return this;
    }

    KernelArgs i64(long v) {
        values.add(Pointer.to(new long[] {v}));
        return this;
    }

    KernelArgs f32(float v) {
        values.add(Pointer.to(new float[] {v}));
        return this;
    }

    Pointer toPointer() {
        return Pointer.to(values.toArray(new NativePointerObject[0]));
    }
}
