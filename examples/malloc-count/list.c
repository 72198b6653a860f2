/* The program examples/malloc-count instruments: it allocates a list node per number and a copy per
   word, so its calls to malloc per function are known in advance (push: 100, copy: 3). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct node {
    struct node *next;
    int value;
};

__attribute__((noinline, noclone)) struct node *push(struct node *list, int value) {
    struct node *n = malloc(sizeof *n);
    if (n == NULL) {
        abort();
    }
    n->next = list;
    n->value = value;
    return n;
}

__attribute__((noinline, noclone)) char *copy(const char *s) {
    char *c = malloc(strlen(s) + 1);
    if (c == NULL) {
        abort();
    }
    return strcpy(c, s);
}

int main(void) {
    struct node *list = NULL;
    for (int i = 1; i <= 100; i++) {
        list = push(list, i);
    }
    char *words[] = {copy("static"), copy("binary"), copy("rewriting")};
    long sum = 0;
    while (list != NULL) {
        struct node *next = list->next;
        sum += list->value;
        free(list);
        list = next;
    }
    printf("sum %ld, words: %s %s %s\n", sum, words[0], words[1], words[2]);
    for (int i = 0; i < 3; i++) {
        free(words[i]);
    }
    return 0;
}
