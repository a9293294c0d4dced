package io.sluice.tensor.cuda;

import java.util.concurrent.ConcurrentHashMap;
import java.util.Map;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

/**
 * One GPU opened for the engine: its primary context (shared by every engine of the process on that GPU),
 * Sluice's kernel module loaded from the PTX for its architecture, and device memory. Calls are made from
 * the engine's step thread; {@link #makeCurrent} binds the context to the calling thread first.
 */
public final class CudaDevice implements AutoCloseable {

    private final CudaDeviceInfo info;
    private final CUdevice device = new CUdevice();
    private final CUcontext context = new CUcontext();
    private final CUmodule module = new CUmodule();
    private final Map<String, CUfunction> functions = new ConcurrentHashMap<>();
    /** GPUs whose memory this context may address directly (peer access asked for once per peer). */
    private final Map<Integer, Boolean> peers = new ConcurrentHashMap<>();
    private boolean closed;

    private CudaDevice(CudaStatus.Selection selection, byte[] ptx) {
        this.info = selection.device();
        check(JCudaDriver.cuDeviceGet(device, info.index()), "cuDeviceGet");
        check(JCudaDriver.cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain");
        try {
            makeCurrent();
            check(JCudaDriver.cuModuleLoadData(module, ptx), "cuModuleLoadData (sm_" + selection.architecture() + ")");
        } catch (RuntimeException e) {
            JCudaDriver.cuDevicePrimaryCtxRelease(device);
            throw e;
        }
    }

    /**
     * Opens GPU {@code index}.
     *
     * @throws CudaUnavailableException with one line saying why when it cannot be used
     */
    public static CudaDevice open(int index) {
        CudaStatus status = CudaStatus.current();
        CudaStatus.Selection selection = status.select(index);
        try {
            return new CudaDevice(selection, status.kernels().ptx(selection.architecture()));
        } catch (CudaUnavailableException e) {
            throw new CudaUnavailableException("GPU " + index + " (" + selection.device().name() + ") failed to initialise: "
                    + e.getMessage());
        }
    }

    public CudaDeviceInfo info() {
        return info;
    }

    void makeCurrent() {
        check(JCudaDriver.cuCtxSetCurrent(context), "cuCtxSetCurrent");
    }

    /** Bytes free on the device now, and its total. */
    long[] memoryInfo() {
        makeCurrent();
        long[] free = new long[1];
        long[] total = new long[1];
        check(JCudaDriver.cuMemGetInfo(free, total), "cuMemGetInfo");
        return new long[] {free[0], total[0]};
    }

    CUdeviceptr allocate(long bytes) {
        CUdeviceptr p = new CUdeviceptr();
        int rc = JCudaDriver.cuMemAlloc(p, Math.max(bytes, 1));
        if (rc != CUresult.CUDA_SUCCESS) {
            throw new CudaUnavailableException("GPU " + info.index() + ": cannot allocate " + DeviceMemoryPlan.gib(bytes)
                    + ": " + CUresult.stringFor(rc));
        }
        return p;
    }

    void free(CUdeviceptr p) {
        JCudaDriver.cuMemFree(p);
    }

    void upload(CUdeviceptr to, Pointer from, long bytes) {
        check(JCudaDriver.cuMemcpyHtoD(to, from, bytes), "cuMemcpyHtoD");
    }

    void download(Pointer to, CUdeviceptr from, long bytes) {
        check(JCudaDriver.cuMemcpyDtoH(to, from, bytes), "cuMemcpyDtoH");
    }

    /**
     * Copies {@code bytes} from this GPU's {@code from} to {@code to} on {@code peer}. The first copy to a peer
     * enables peer access when the two GPUs support it (NVLink or PCIe peer to peer); without it the driver
     * stages the copy through the host itself.
     */
    void copyToPeer(CUdeviceptr from, CudaDevice peer, CUdeviceptr to, long bytes) {
        peers.computeIfAbsent(peer.info.index(), index -> enablePeerAccess(peer));
        check(JCudaDriver.cuMemcpyPeer(to, peer.context, from, context, bytes), "cuMemcpyPeer");
    }

    private boolean enablePeerAccess(CudaDevice peer) {
        int[] can = new int[1];
        check(JCudaDriver.cuDeviceCanAccessPeer(can, device, peer.device), "cuDeviceCanAccessPeer");
        if (can[0] == 0) {
            return false;
        }
        makeCurrent();
        int rc = JCudaDriver.cuCtxEnablePeerAccess(peer.context, 0);
        if (rc != CUresult.CUDA_ERROR_PEER_ACCESS_ALREADY_ENABLED) {
            check(rc, "cuCtxEnablePeerAccess");
        }
        return true;
    }

    void launch(String kernel, LaunchShape shape, KernelArgs args) {
        CUfunction f = functions.computeIfAbsent(kernel, name -> {
            CUfunction fn = new CUfunction();
            check(JCudaDriver.cuModuleGetFunction(fn, module, name), "cuModuleGetFunction(" + name + ")");
            return fn;
        });
        check(JCudaDriver.cuLaunchKernel(f, shape.gridX(), shape.gridY(), 1, shape.blockX(), 1, 1, 0, null,
                args.toPointer(), null), "cuLaunchKernel(" + kernel + ")");
    }

    /** Waits for every launch so far; a kernel fault surfaces here. */
    void synchronize() {
        check(JCudaDriver.cuCtxSynchronize(), "cuCtxSynchronize");
    }

    static void check(int rc, String call) {
        if (rc != CUresult.CUDA_SUCCESS) {
            throw new CudaUnavailableException(call + " returned " + CUresult.stringFor(rc));
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            makeCurrent();
            JCudaDriver.cuModuleUnload(module);
            JCudaDriver.cuDevicePrimaryCtxRelease(device);
        }
    }
}
