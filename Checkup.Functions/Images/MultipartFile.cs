using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Checkup.Functions.Images;

/// <summary>
/// Finds the <c>file</c> part of a multipart/form-data body and hands out its bytes as a stream read straight from
/// the request: no form buffering, no temp files (which <c>ReadFormAsync</c>/<c>IFormFile</c> would use).
/// </summary>
internal static class MultipartFile
{
    public const string FieldName = "file";

    /// <summary>Room for the boundaries and part headers around a file of the maximum size.</summary>
    public const long EnvelopeAllowance = 64 * 1024;

    private const int MaxSectionsBeforeFile = 16;

    /// <summary>The boundary of a multipart/form-data content type; null for anything else.</summary>
    public static string? Boundary(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var mediaType) ||
            !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary);
        return boundary.Length is > 0 and <= 70 ? boundary.Value : null;
    }

    /// <summary>The file part's body, positioned at its first byte; null when the body has no such part.</summary>
    /// <exception cref="InvalidDataException">the body is not well-formed multipart.</exception>
    public static async Task<Stream?> OpenAsync(Stream body, string boundary, CancellationToken ct)
    {
        var reader = new MultipartReader(boundary, body, 64 * 1024) { HeadersLengthLimit = 16 * 1024 };
        for (var i = 0; i < MaxSectionsBeforeFile; i++)
        {
            var section = await reader.ReadNextSectionAsync(ct);
            if (section is null)
            {
                return null;
            }

            if (ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) &&
                disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase) &&
                HeaderUtilities.RemoveQuotes(disposition.Name).Equals(FieldName, StringComparison.Ordinal))
            {
                return section.Body;
            }
        }

        return null;
    }
}
