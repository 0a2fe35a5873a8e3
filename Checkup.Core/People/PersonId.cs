using System.Text;

namespace Checkup.Core.People;

/// <summary>
/// What may name a person: a token's <c>sub</c>, stored as <c>submissions.author_id</c> and <c>images.owner_id</c>. One
/// rule for sign-in and for erasure, so every person who can sign in can be erased and nobody else is addressed. Any
/// printable text up to <see cref="MaxUtf8Bytes"/>: not empty or blank (it would name nobody), no control characters
/// (PostgreSQL text holds no NUL; CR, LF and escapes forge log lines), well-formed UTF-16 (a lone surrogate has no
/// UTF-8 form), and short enough for the btree indexes on these columns (at most 2,704 bytes a row).
/// </summary>
public static class PersonId
{
    public const int MaxUtf8Bytes = 255;

    /// <returns>null when <paramref name="id"/> can name a person; otherwise what is wrong, to follow "the subject ('sub') ...".</returns>
    public static string? Problem(string? id)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            return "is empty or blank";
        }

        if (id.Length > MaxUtf8Bytes || Encoding.UTF8.GetByteCount(id) > MaxUtf8Bytes)
        {
            return $"is longer than {MaxUtf8Bytes} UTF-8 bytes";
        }

        for (var i = 0; i < id.Length; i++)
        {
            var c = id[i];
            if (char.IsControl(c))
            {
                return "contains a control character";
            }

            if (char.IsHighSurrogate(c) && i + 1 < id.Length && char.IsLowSurrogate(id[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return "is not well-formed Unicode text";
            }
        }

        return null;
    }
}
