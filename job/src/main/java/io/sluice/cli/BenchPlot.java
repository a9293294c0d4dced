package io.sluice.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The PNG of {@code sluice bench --plot}: throughput (left) and latency (right) against concurrency. */
final class BenchPlot {

    private BenchPlot() {
    }

    static void write(Path file, String title, List<BenchCommand.Result> results) throws IOException {
        System.setProperty("java.awt.headless", "true");
        double[] c = results.stream().mapToDouble(BenchCommand.Result::concurrency).toArray();
        XYChart throughput = new XYChartBuilder().width(640).height(420).title(title + ": throughput")
                .xAxisTitle("concurrent requests").yAxisTitle("tokens/s").build();
        throughput.addSeries("prefill", c, results.stream().mapToDouble(BenchCommand.Result::prefillTokS).toArray())
                .setMarker(SeriesMarkers.CIRCLE);
        throughput.addSeries("decode (aggregate)", c,
                results.stream().mapToDouble(BenchCommand.Result::decodeTokS).toArray()).setMarker(SeriesMarkers.SQUARE);
        XYChart latency = new XYChartBuilder().width(640).height(420).title(title + ": latency")
                .xAxisTitle("concurrent requests").yAxisTitle("ms").build();
        latency.addSeries("TTFT p50", c, results.stream().mapToDouble(BenchCommand.Result::ttftP50).toArray());
        latency.addSeries("TTFT p99", c, results.stream().mapToDouble(BenchCommand.Result::ttftP99).toArray());
        latency.addSeries("TPOT p50", c, results.stream().mapToDouble(BenchCommand.Result::tpotP50).toArray());
        latency.addSeries("TPOT p99", c, results.stream().mapToDouble(BenchCommand.Result::tpotP99).toArray());
        if (results.size() > 2 && c[c.length - 1] / c[0] >= 8) {
            throughput.getStyler().setXAxisLogarithmic(true);
            latency.getStyler().setXAxisLogarithmic(true);
        }
        BitmapEncoder.saveBitmap(List.of(throughput, latency), 1, 2, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
