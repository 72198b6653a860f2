/* Checks --hook-functions: a recursive sudoku solver that counts its own calls and maximum
 * recursion depth (the numbers DynamoRIO's drwrap example measures at run time) and prints them, so
 * the test can compare ykrw's hook records with the program's own count. */
#include <stdio.h>

static int grid[81];
static long calls, depth, max_depth;

static const char *puzzle =
    "530070000600195000098000060800060003400803001700020006060000280000419005000080079";

static int allowed(int cell, int v) {
    int r = cell / 9, c = cell % 9;
    for (int i = 0; i < 9; i++) {
        if (grid[r * 9 + i] == v || grid[i * 9 + c] == v) return 0;
    }
    int br = r / 3 * 3, bc = c / 3 * 3;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            if (grid[(br + i) * 9 + bc + j] == v) return 0;
    return 1;
}

__attribute__((noinline)) int solve(void) {
    calls++;
    if (++depth > max_depth) max_depth = depth;
    int cell = 0;
    while (cell < 81 && grid[cell]) cell++;
    if (cell == 81) {
        depth--;
        return 1;
    }
    for (int v = 1; v <= 9; v++) {
        if (allowed(cell, v)) {
            grid[cell] = v;
            if (solve()) {
                depth--;
                return 1;
            }
            grid[cell] = 0;
        }
    }
    depth--;
    return 0;
}

int main(void) {
    for (int i = 0; i < 81; i++) grid[i] = puzzle[i] - '0';
    int ok = solve();
    printf("solved %d calls %ld max depth %ld first row", ok, calls, max_depth);
    for (int i = 0; i < 9; i++) printf(" %d", grid[i]);
    printf("\n");
    return 0;
}
