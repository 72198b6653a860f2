package org.ykrw.core;

/** Adds the unloaded sections the passes asked for (e.g. the block map), in the order they asked. */
final class PassSectionsRewriter implements OutputRewriter {
    @Override
    public String name() {
        return "pass-sections";
    }

    @Override
    public void run(RewriteState state) {
        state.requests.unloadedSections().forEach(state.image::addUnloadedSection);
    }
}
