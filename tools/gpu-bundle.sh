#!/usr/bin/env bash
# Builds a bundle that runs `sluice gpu-check` on a machine with an NVIDIA driver but no JDK (such as a lent
# GPU machine): a jlink'd Java runtime, only the jars gpu-check needs (JCuda's natives cut down to the
# driver-API library: the driver API needs no CUDA toolkit), the small test models and their golden outputs,
# and a launcher. Needs a JDK 17 with jlink, Maven and nvcc (for the kernels) here.
#
#   tools/gpu-bundle.sh [OUT_DIR]           (default: target/gpu-bundle)
#   OUT_DIR/gpu-check [--skip-bench] ...    (on the GPU machine)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$here/target/gpu-bundle}"
limit_mib=64

command -v nvcc >/dev/null || { echo "gpu-bundle: nvcc not on the PATH: the bundle would have no CUDA kernels" >&2; exit 2; }
command -v jlink >/dev/null || { echo "gpu-bundle: jlink not found (needs a JDK 17)" >&2; exit 2; }

cd "$here"
mvn -B -q -DskipTests package -pl job -am >&2
grep -q '^ptx=sm_80,sm_90' gpu-runtime/target/classes/io/sluice/tensor/cuda/kernels.properties \
  || { echo "gpu-bundle: the build has no PTX for sm_80 and sm_90" >&2; exit 1; }

rm -rf "$out"
mkdir -p "$out/lib" "$out/models"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The engine's own dependencies (SLF4J API, JCuda), then picocli and Jackson for the command line.
mvn -B -q -pl gpu-runtime dependency:build-classpath -DincludeScope=runtime -Dmdep.outputFile="$work/cp.txt" >&2
version() { sed -n "s:.*<$1>\(.*\)</$1>.*:\1:p" pom.xml | head -1; }
for gav in "info.picocli:picocli:$(version picocli.version)" \
           "com.fasterxml.jackson.core:jackson-databind:$(version jackson.version)" \
           "com.fasterxml.jackson.core:jackson-core:$(version jackson.version)" \
           "com.fasterxml.jackson.core:jackson-annotations:$(version jackson.version)"; do
  mvn -B -q dependency:copy -Dartifact="$gav" -DoutputDirectory="$out/lib" >&2
done
tr ':' '\n' < "$work/cp.txt" | while read -r jar || [ -n "$jar" ]; do
  case "$(basename "$jar")" in
    jcuda-natives-*)
      # Keep only the driver-API library (about 1 MB of the jar's 26 MB: the PTX compiler, NVRTC and runtime
      # libraries are for other JCuda APIs).
      mkdir -p "$work/natives" && (cd "$work/natives" && unzip -q "$jar" 'lib/libJCudaDriver-*' 'META-INF/MANIFEST.MF')
      (cd "$work/natives" && jar --create --file "$out/lib/$(basename "$jar")" --manifest META-INF/MANIFEST.MF lib) ;;
    *) cp "$jar" "$out/lib/" ;;
  esac
done
cp gpu-runtime/target/sluice-gpu-runtime-*.jar job/target/sluice-job-*.jar "$out/lib/"
unzip -l "$out"/lib/jcuda-natives-*.jar 2>/dev/null | grep -q 'libJCudaDriver-' \
  || { echo "gpu-bundle: JCuda's driver-API library is missing from the bundle" >&2; exit 1; }

# The models of the correctness suite and their golden outputs.
cp gpu-runtime/src/test/resources/models/stories260K.gguf gpu-runtime/src/test/resources/models/stories260K.greedy-bos.txt \
   gpu-runtime/src/test/resources/models/shakespeare.greedy-romeo.json models/shakespeare.gguf "$out/models/"

# java.logging: JCuda logs through java.util.logging; jdk.incubator.vector: the CPU backend's SIMD kernels.
jlink --add-modules java.base,java.logging,jdk.incubator.vector,jdk.unsupported \
  --strip-debug --no-header-files --no-man-pages --compress=2 --output "$out/runtime"

cat > "$out/gpu-check" <<'LAUNCH'
#!/usr/bin/env bash
# Runs `sluice gpu-check` with the bundled Java runtime; arguments are passed on (try --help).
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec "$here/runtime/bin/java" --add-modules jdk.incubator.vector -XX:+UseParallelGC ${SLUICE_JAVA_OPTS:-} \
  -Dsluice.home="$here" -cp "$here/lib/*" io.sluice.cli.GpuCheckMain "$@"
LAUNCH
chmod +x "$out/gpu-check"

size_mib=$(( $(du -sb "$out" | cut -f1) / 1048576 ))
echo "gpu-bundle: $out ($size_mib MiB; models included)"
code_mib=$(( ( $(du -sb "$out" | cut -f1) - $(du -sb "$out/models" | cut -f1) ) / 1048576 ))
if [ "$code_mib" -ge "$limit_mib" ]; then
  echo "gpu-bundle: runtime and jars take $code_mib MiB, over the $limit_mib MiB limit" >&2
  exit 1
fi
