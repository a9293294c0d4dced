package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The schemas jar that producers depend on (schemas/target/sluice-schemas-VERSION.jar, built by the schemas
 * module's package phase): Sluice's record classes, the codec and the frozen schema versions, nothing else,
 * and Avro as its only dependency.
 */
class SchemasJarTest {

    private static Path jar() throws Exception {
        Path target = TestPaths.root().resolve("schemas/target");
        try (Stream<Path> files = Files.list(target)) {
            return files.filter(f -> f.getFileName().toString().matches("sluice-schemas-[0-9.]+(-SNAPSHOT)?\\.jar"))
                    .findFirst().orElseThrow(() -> new AssertionError("no schemas jar in " + target
                            + " (run the schemas module's package phase)"));
        }
    }

    @Test
    void holdsTheRecordsAndTheCodecAndDependsOnAvroOnly() throws Exception {
        try (JarFile jar = new JarFile(jar().toFile())) {
            List<String> names = jar.stream().map(e -> e.getName()).filter(n -> !n.endsWith("/")).toList();
            List<String> foreign = names.stream()
                    .filter(n -> !n.startsWith("META-INF/") && !n.startsWith("io/sluice/schemas/")).toList();
            assertEquals(List.of(), foreign, "only Sluice's schema classes");
            for (String expected : List.of("io/sluice/schemas/PromptRequest.class", "io/sluice/schemas/Completion.class",
                    "io/sluice/schemas/DeadLetter.class", "io/sluice/schemas/AvroCodec.class",
                    "io/sluice/schemas/history/PromptRequest.v1.avsc")) {
                assertTrue(names.contains(expected), expected + " missing from " + names);
            }
            assertEquals("io.sluice.schemas", jar.getManifest().getMainAttributes().getValue("Automatic-Module-Name"));
            try (InputStream pom = jar.getInputStream(jar.getEntry("META-INF/maven/io.sluice/sluice-schemas/pom.xml"))) {
                Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom);
                NodeList dependencies = doc.getElementsByTagName("dependency");
                List<String> runtime = new java.util.ArrayList<>();
                for (int i = 0; i < dependencies.getLength(); i++) {
                    Element d = (Element) dependencies.item(i);
                    NodeList scope = d.getElementsByTagName("scope");
                    if (scope.getLength() == 0 || !scope.item(0).getTextContent().equals("test")) {
                        runtime.add(d.getElementsByTagName("groupId").item(0).getTextContent() + ":"
                                + d.getElementsByTagName("artifactId").item(0).getTextContent());
                    }
                }
                assertEquals(List.of("org.apache.avro:avro"), runtime);
            }
        }
    }
}
