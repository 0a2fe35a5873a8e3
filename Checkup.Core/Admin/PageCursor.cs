using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Checkup.Core.Admin;

/// <summary>
/// A keyset position: the (created_at, id) of the last row a page showed. The next page starts strictly after it,
/// so rows inserted meanwhile never shift the pages (no row twice, none skipped) and new rows, being the newest,
/// arrive at the end. Opaque to clients: base64url of <c>kind.ticks.id</c>, the kind keeping a cursor of one
/// listing out of another.
/// </summary>
public readonly record struct PageCursor(DateTime CreatedAt, Guid Id)
{
    public string Encode(string kind) =>
        Base64Url.EncodeToString(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{kind}.{CreatedAt.Ticks}.{Id:N}")));

    public static bool TryDecode(string kind, string text, out PageCursor cursor)
    {
        cursor = default;
        if (text.Length is 0 or > 200 || !Base64Url.IsValid(text))
        {
            return false;
        }

        var parts = Encoding.ASCII.GetString(Base64Url.DecodeFromChars(text)).Split('.');
        if (parts.Length != 3 || parts[0] != kind ||
            !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) ||
            ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks ||
            !Guid.TryParseExact(parts[2], "N", out var id))
        {
            return false;
        }

        cursor = new PageCursor(new DateTime(ticks, DateTimeKind.Utc), id);
        return true;
    }
}

/// <summary>One page of a keyset-paginated listing; <see cref="NextCursor"/> is null on the last page.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);
