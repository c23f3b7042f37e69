// Directed RTL tests (filled below).
#include <gtest/gtest.h>
