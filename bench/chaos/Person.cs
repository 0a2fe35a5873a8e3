using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Checkup.Tests.Infrastructure;

namespace Checkup.Chaos;

public sealed record Slot(string? Name, string? Description, string? Role, Guid? ImageId);

/// <summary>An image the API accepted (201) for this person, with the hash of the bytes they sent.</summary>
/// <summary>An image answered 201, with the bytes sent (what reaches Cloudinary is their cleaned copy: the same pixels).</summary>
public sealed record AcceptedImage(Guid Id, string Sha256, byte[] Bytes);

/// <summary>
/// One person's session as a browser tab runs it: start the draft, then for each image upload it while the text
/// autosaves, put it into a project and save, and at the end submit three complete projects. Saves carry If-Match;
/// a 412 means another save (or one whose answer was lost) moved the version on, so the tab takes the current version
/// and saves its own state again, as the frontend's autosave does.
/// </summary>
public sealed class Person(string sub, ResilientClient api, Tally tally, Random random, Action uploaded)
{
    private readonly Lock _state = new();
    private readonly Slot[] _form = [new(null, null, null, null), new(null, null, null, null), new(null, null, null, null)];
    private string? _etag;

    public string Sub => sub;
    public List<AcceptedImage> Images { get; } = [];
    public Slot[]? Submitted { get; private set; }
    public string? Failure { get; private set; }

    public async Task RunAsync(int uploads)
    {
        try
        {
            await StartAsync();
            for (var i = 0; i < uploads; i++)
            {
                await Task.Delay(random.Next(50, 400)); // the person picks the next file
                var slot = i % 3;
                var upload = UploadAsync(Image());
                await TypeAsync(slot, i); // autosave of the text while the upload runs
                var image = await upload;
                Change(slot, s => s with { ImageId = image.Id });
                await SaveAsync();
            }

            await SubmitAsync();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Whatever went wrong is this person's failure, reported with the checks, not a crash of the run.
            Failure = $"{sub}: {e.Message}";
            tally.Problem(Failure);
        }
    }

    private async Task StartAsync()
    {
        var answer = await api.SendAsync("start", () => new HttpRequestMessage(HttpMethod.Post, "/api/submission"));
        Expect(answer, "start", 200, 201);
        lock (_state)
        {
            _etag = answer.ETag;
        }
    }

    private async Task<AcceptedImage> UploadAsync(byte[] bytes)
    {
        var key = Guid.NewGuid().ToString("N");
        var answer = await api.SendAsync("upload", () =>
        {
            var form = new MultipartFormDataContent();
            var file = new ByteArrayContent(bytes);
            file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(file, "file", "photo.img");
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/images") { Content = form };
            request.Headers.Add("Idempotency-Key", key); // the same key on every retry of this upload
            return request;
        }, a => a is { Status: 409 } && a.Code() == "upload_in_progress");
        Expect(answer, "upload", 201);
        if (answer.Replayed)
        {
            tally.Add("upload replayed (Idempotency-Key)");
        }

        var image = new AcceptedImage(answer.Json().GetProperty("id").GetGuid(), Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes);
        var status = answer.Json().GetProperty("status").GetString();
        tally.Add($"upload answered as {status}");
        lock (_state)
        {
            Images.Add(image);
        }

        uploaded();
        return image;
    }

    /// <summary>Two autosaves in flight at once (the name, then the description a moment later): one of them meets a 412.</summary>
    private async Task TypeAsync(int slot, int round)
    {
        Change(slot, s => s with { Name = $"Project {slot + 1} ({sub}, round {round})" });
        var first = SaveAsync();
        await Task.Delay(random.Next(0, 30));
        Change(slot, s => s with
        {
            Description = $"What project {slot + 1} was about, revision {round}: " + new string('x', random.Next(10, 400)),
            Role = round % 2 == 0 ? "Designer" : "Developer",
        });
        await Task.WhenAll(first, SaveAsync());
    }

    private Task SaveAsync() => WriteAsync("draft", HttpMethod.Put, "/api/submission/draft");

    private async Task SubmitAsync()
    {
        var sent = await WriteAsync("submit", HttpMethod.Post, "/api/submission/submit");
        Submitted = sent;
    }

    /// <summary>Sends the tab's current state with If-Match; on 412 takes the current version and sends its (newest) state again.</summary>
    private async Task<Slot[]> WriteAsync(string what, HttpMethod method, string path)
    {
        while (true)
        {
            Slot[] state;
            string? etag;
            lock (_state)
            {
                state = [.. _form];
                etag = _etag;
            }

            var answer = await api.SendAsync(what, () =>
            {
                var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(Body(state)) };
                if (etag is not null)
                {
                    request.Headers.TryAddWithoutValidation("If-Match", etag);
                }

                return request;
            });
            if (answer.Status == 412)
            {
                tally.Add($"{what} 412 re-read");
                Adopt(answer.ETag);
                continue;
            }

            Expect(answer, what, 200);
            Adopt(answer.ETag);
            return state;
        }
    }

    /// <summary>Keeps the newest version seen: two saves of one tab can answer out of order.</summary>
    private void Adopt(string? etag)
    {
        lock (_state)
        {
            if (Version(etag) > Version(_etag))
            {
                _etag = etag;
            }
        }
    }

    private static int Version(string? etag) => int.TryParse(etag?.Trim('"'), out var v) ? v : -1;

    private void Change(int slot, Func<Slot, Slot> change)
    {
        lock (_state)
        {
            _form[slot] = change(_form[slot]);
        }
    }

    public static object Body(IEnumerable<Slot> slots) =>
        new { projects = slots.Select(s => new { name = s.Name, description = s.Description, role = s.Role, imageId = s.ImageId }) };

    private byte[] Image() => random.Next(3) switch
    {
        0 => TestImages.Jpeg(random.Next(16, 2000), random.Next(16, 2000)),
        1 => TestImages.Gif(random.Next(1, 500), random.Next(1, 500)),
        _ => TestImages.Png(random.Next(8, 1500), random.Next(8, 1500), random.Next(0, 300_000)),
    };

    private static void Expect(Answer answer, string what, params int[] statuses)
    {
        if (!statuses.Contains(answer.Status))
        {
            throw new InvalidOperationException($"{what} answered {answer}");
        }
    }
}
