package dev.ferry.record;

import java.util.List;

/**
 * The commands of one source {@code MULTI}/{@code EXEC} block (or a script's effects), which the source
 * applied atomically; the writer keeps them atomic where the target allows it.
 *
 * @param commands the commands between MULTI and EXEC, in order, each with its own db
 * @param position source position right after the EXEC
 */
public record Transaction(List<Command> commands, Position position) implements Record {
}
