package io.sluice.tensor.cuda;

/** A kernel launch: grid (x, y) and threads per block (x). */
public record LaunchShape(int gridX, int gridY, int blockX) {
    public LaunchShape {
        if (gridX <= 0 || gridY <= 0 || blockX <= 0 || blockX > 1024 || gridY > 65535) {
            throw new IllegalArgumentException("bad launch shape: grid " + gridX + " x " + gridY + ", block " + blockX);
        }
    }
}
