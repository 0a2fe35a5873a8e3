using System.Text;

namespace Checkup.Core.Admin;

/// <summary>
/// RFC 4180 rows (CRLF line ends; a field holding a comma, a semicolon, a quote, CR or LF is quoted, quotes doubled)
/// for spreadsheet programs; the semicolon too, because spreadsheets set to a locale that separates with ';' split there.
/// A cell that a spreadsheet would read as a formula (CSV injection, see <see cref="LooksLikeAFormula"/>) gets a leading
/// <c>'</c>, which spreadsheets show as text. Each row is built in memory and written at once: memory holds one row,
/// whatever the number of rows.
/// </summary>
public sealed class CsvWriter(TextWriter output)
{
    private readonly StringBuilder _row = new(1024);

    public Task WriteRowAsync(IEnumerable<string?> cells, CancellationToken ct)
    {
        _row.Clear();
        var first = true;
        foreach (var cell in cells)
        {
            if (!first)
            {
                _row.Append(',');
            }

            AppendCell(_row, cell);
            first = false;
        }

        _row.Append("\r\n");
        return output.WriteAsync(_row, ct);
    }

    /// <summary>
    /// Whether a spreadsheet could take the cell for a formula: it starts with a tab, CR or LF, or its first character
    /// after blanks and invisible characters (spaces, NBSP and other Unicode spaces, tab, CR, LF, zero-width characters,
    /// a byte order mark) is <c>= + - @</c>, their fullwidth forms <c>＝ ＋ － ＠</c>, or a pipe; or it holds a pipe
    /// anywhere (<c>cmd|' /C calc'!A0</c>, dynamic data exchange). Spreadsheets skip the blanks and read the fullwidth
    /// signs as the ASCII ones.
    /// </summary>
    public static bool LooksLikeAFormula(string value)
    {
        if (value.Length == 0)
        {
            return false;
        }

        if (value[0] is '\t' or '\r' or '\n' || value.Contains('|', StringComparison.Ordinal))
        {
            return true;
        }

        var first = value.AsSpan().IndexOfAnyExcept(Ignored);
        return first >= 0 && value[first] is '=' or '+' or '-' or '@' or '|' or '\uFF1D' or '\uFF0B' or '\uFF0D' or '\uFF20' or '\uFF5C';
    }

    /// <summary>What spreadsheets skip before a formula sign: Unicode spaces and line breaks, zero-width characters, BOM.</summary>
    private static readonly System.Buffers.SearchValues<char> Ignored = System.Buffers.SearchValues.Create(
        " \t\r\n\v\f\u0085\u00A0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200A\u2028\u2029\u202F\u205F\u3000" +
        "\u180E\u200B\u200C\u200D\u2060\uFEFF");

    internal static void AppendCell(StringBuilder row, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        var quoted = value.AsSpan().IndexOfAny(",;\"\r\n") >= 0;
        if (quoted)
        {
            row.Append('"');
        }

        if (LooksLikeAFormula(value))
        {
            row.Append('\'');
        }

        var rest = value.AsSpan();
        for (var quote = rest.IndexOf('"'); quote >= 0; quote = rest.IndexOf('"'))
        {
            row.Append(rest[..(quote + 1)]).Append('"'); // a quote is written twice
            rest = rest[(quote + 1)..];
        }

        row.Append(rest);

        if (quoted)
        {
            row.Append('"');
        }
    }
}
