// File input and output of the host checks of the CUDA kernels (decode_check, mmq_check, mmf_check, exp_check).
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

// The whole file, or exit 2 with one line.
static std::vector<uint8_t> readAll(const char* path) {
    FILE* f = std::fopen(path, "rb");
    if (!f) {
        std::fprintf(stderr, "cannot open %s\n", path);
        std::exit(2);
    }
    std::vector<uint8_t> bytes;
    uint8_t buf[65536];
    size_t got;
    while ((got = std::fread(buf, 1, sizeof buf, f)) > 0) {
        bytes.insert(bytes.end(), buf, buf + got);
    }
    std::fclose(f);
    return bytes;
}

// Appends count items of size bytes to f, or exits 2 with one line.
static void writeAll(FILE* f, const void* data, size_t size, size_t count, const char* path) {
    if (std::fwrite(data, size, count, f) != count) {
        std::fprintf(stderr, "cannot write %s\n", path);
        std::exit(2);
    }
}

static FILE* create(const char* path) {
    FILE* f = std::fopen(path, "wb");
    if (!f) {
        std::fprintf(stderr, "cannot write %s\n", path);
        std::exit(2);
    }
    return f;
}
