package io.sluice.tensor.cpu.vector;

import io.sluice.tensor.cpu.Exp;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Exp}'s sequence lane by lane: the same operations in the same order (lanewise fused multiply-adds round
 * once, as {@link Math#fma} does), so every element gets {@code Exp.exp} of itself bit for bit. Written as a loop
 * over an array rather than a function of one vector: such a function, once the JIT has compiled it on its own,
 * is too big to inline, and every call then boxes its vectors (a hundred times slower, measured). 256-bit
 * vectors, as every other vector kernel here: a second vector class in the same library methods makes their
 * profiles polymorphic and can cost the JIT its intrinsics (measured with 512-bit vectors).
 */
final class VectorExp {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    static final VectorSpecies<Integer> I = IntVector.SPECIES_256;

    private VectorExp() {
    }

    /** {@code a[k] = Exp.exp(a[k])} for {@code k} in {@code [from, to)}. */
    static void exp(float[] a, int from, int to) {
        FloatVector min = FloatVector.broadcast(F, Exp.MIN_INPUT);
        FloatVector max = FloatVector.broadcast(F, Exp.MAX_INPUT);
        FloatVector log2e = FloatVector.broadcast(F, Exp.LOG2E);
        FloatVector magic = FloatVector.broadcast(F, Exp.MAGIC);
        IntVector magicBits = IntVector.broadcast(I, Exp.MAGIC_BITS);
        FloatVector lnHi = FloatVector.broadcast(F, -Exp.LN2_HI);
        FloatVector lnLo = FloatVector.broadcast(F, -Exp.LN2_LO);
        FloatVector c6 = FloatVector.broadcast(F, Exp.C6);
        FloatVector c5 = FloatVector.broadcast(F, Exp.C5);
        FloatVector c4 = FloatVector.broadcast(F, Exp.C4);
        FloatVector c3 = FloatVector.broadcast(F, Exp.C3);
        FloatVector c2 = FloatVector.broadcast(F, Exp.C2);
        FloatVector one = FloatVector.broadcast(F, 1f);
        IntVector bias = IntVector.broadcast(I, Exp.BIAS);
        int k = from;
        for (int end = to - F.length(); k <= end; k += F.length()) {
            FloatVector x = FloatVector.fromArray(F, a, k);
            // Math.max(x, MIN) and Math.min(x, MAX): NaN compares false and stays
            VectorMask<Float> low = x.compare(VectorOperators.LT, min);
            VectorMask<Float> high = x.compare(VectorOperators.GT, max);
            x = x.blend(min, low).blend(max, high);
            FloatVector t = x.fma(log2e, magic);
            IntVector n = ((IntVector) t.reinterpretAsInts()).sub(magicBits);
            FloatVector nf = t.sub(magic);
            FloatVector r = nf.fma(lnLo, nf.fma(lnHi, x));
            FloatVector p = r.fma(c6, c5);
            p = p.fma(r, c4);
            p = p.fma(r, c3);
            p = p.fma(r, c2);
            p = p.fma(r, one);
            p = p.fma(r, one);
            IntVector n1 = n.lanewise(VectorOperators.ASHR, 1);
            IntVector n2 = n.sub(n1);
            FloatVector s1 = (FloatVector) n1.add(bias).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector s2 = (FloatVector) n2.add(bias).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            p.mul(s1).mul(s2).intoArray(a, k);
        }
        for (; k < to; k++) {
            a[k] = Exp.exp(a[k]);
        }
    }
}
