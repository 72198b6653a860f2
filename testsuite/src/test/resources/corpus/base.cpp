// Second valid program of the malformed corpus (MalformedCorpusTest): C++ with a try/catch, so the
// damaged files include LSDAs (.gcc_except_table) and personality pointers in .eh_frame CIEs.
#include <cstdio>
#include <stdexcept>

__attribute__((noinline)) static int check(int n) {
    if (n > 3) {
        throw std::runtime_error("too many");
    }
    return n * 7;
}

int main(int argc, char **) {
    try {
        std::printf("%d\n", check(argc));
    } catch (const std::exception &e) {
        std::printf("caught %s\n", e.what());
    }
    return 0;
}
