/** Reading block maps and run files ({@code .ykcov}, traces), and the coverage reports. */
module org.ykrw.coverage {
    requires transitive org.ykrw.core;
    requires com.fasterxml.jackson.core;  // the block map reader's JSON tokens

    exports org.ykrw.coverage;
}
