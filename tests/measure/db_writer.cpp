// Test helper, not a test: one writer of a shared tuning database, as a `dcoc tune` process uses it.
// `measure_db_writer DB WRITER COUNT WRITERS` waits for its standard input to close (the test's start
// gate, so all writers begin together), then commits COUNT measurements of its own, interleaved with
// memo lookups (hits on its own and other writers' records, misses) and a repeated cycle bound (stored
// once), and exits 0; on an error it prints it and exits 1.
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <string>

#include "host/measure/database.h"
#include "tests/measure/test_util.h"

int main(int argc, char** argv) {
  using namespace dcoc;
  using namespace dcoc::measure;
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s DB WRITER COUNT WRITERS\n", argv[0]);
    return 2;
  }
  try {
    const int writer = std::stoi(argv[2]), count = std::stoi(argv[3]), writers = std::stoi(argv[4]);
    const compiler::ConvLayer l = testing::Layer("resnet18.C5");
    const spec::HwConfig c = spec::LoadConfig("default");
    const compiler::ScheduleSpace space(l, spec::Spec::Create(c));
    auto record = [&](int w, int i, Status st = Status::kOk) {
      return testing::WriterRecord(l, space, w, i, writers, st);
    };
    Database db(argv[1]);
    char gate;
    while (::read(0, &gate, 1) > 0) {
    }
    for (int i = 0; i < count; ++i) {
      db.Add(record(writer, i), l, c);
      if (!db.Lookup(KeyOf(record(writer, i)), 0)) throw std::runtime_error("a committed record is not found");
      (void)db.Lookup(KeyOf(record((writer + 1) % writers, i)), 0);  // another writer's: a hit or a miss
      (void)db.Lookup(KeyOf(record(writer, i + count)), 0);          // never written: a miss
      db.Add(record(writer, 0, Status::kCycleBound), l, c);          // stored by the first call only
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
