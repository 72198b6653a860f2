package org.ykrw.cli.sweep;

/**
 * One row of the sweep table.
 *
 * @param name the program's file name
 * @param outcome what happened
 * @param detail the refusal reason or the first difference found ("" when identical)
 * @param seconds time spent on the program (pass and runs)
 */
public record ProgramVerdict(String name, Outcome outcome, String detail, double seconds) {
}
