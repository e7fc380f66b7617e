package dev.ferry.command;


/**
 * One row of the table.
 *
 * @param name  canonical upper-case name, with the subcommand after a space for container commands
 * @param type  the data type the command writes, null when it works on any type or writes none
 */
record CommandSpec(String name, CommandKind kind, KeyFinder keys, ValueType type, SlotSplit split) {
}
