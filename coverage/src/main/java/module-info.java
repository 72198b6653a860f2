/** Reading block maps and run files ({@code .ykcov}, traces), and the coverage reports. */
module org.ykrw.coverage {
    requires transitive org.ykrw.core;

    exports org.ykrw.coverage;
}
