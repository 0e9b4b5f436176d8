// Stand-in for a library with no code and no data, declared by the library's own header so the
// linkage matches: linking the harness against it gives the baseline that is subtracted to get
// the library's own flash and RAM.
#include MF_HEADER

int MF_INVOKE(const void *input, void *output) {
    (void)input;
    (void)output;
    return 0;
}

#ifdef MF_PREPARE
void MF_PREPARE(const void *input) { (void)input; }
#endif
