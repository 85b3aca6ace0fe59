namespace PcpTestbed.Model;

/// <summary>
/// The names users type for a set of values (designs, variants, workloads, bugs), with a description
/// each: lookup both ways, case-insensitive parsing, and the list for help texts and errors.
/// </summary>
public sealed class NameTable<T>
    where T : notnull
{
    private readonly (T Value, string Name, string Description)[] _entries;

    public NameTable(params (T Value, string Name, string Description)[] entries)
    {
        _entries = entries;
    }

    public IEnumerable<T> All => _entries.Select(e => e.Value);

    /// <summary>Every name, comma-separated, as error messages list them.</summary>
    public string Names => string.Join(", ", _entries.Select(e => e.Name));

    public string Name(T value) => Entry(value).Name;

    public string Description(T value) => Entry(value).Description;

    public bool TryParse(string name, out T value)
    {
        foreach (var e in _entries)
        {
            if (string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = e.Value;
                return true;
            }
        }

        value = default!;
        return false;
    }

    private (T Value, string Name, string Description) Entry(T value)
    {
        foreach (var e in _entries)
        {
            if (EqualityComparer<T>.Default.Equals(e.Value, value))
            {
                return e;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(value), value, $"no name for {value}");
    }
}
