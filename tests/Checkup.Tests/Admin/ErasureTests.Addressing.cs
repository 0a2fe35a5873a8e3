using System.Net;
using Checkup.Core.Admin;
using Checkup.Core.Cloudinary;
using Checkup.Core.Auth;
using Checkup.Tests.Infrastructure;
using Checkup.Tests.Submissions;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Checkup.Tests.Admin;

/// <summary>
/// Who is erased: the person named in the query, decoded once, any 'sub' that sign-in accepts. Issue 20, item 9: the
/// path form decoded twice (DELETE /api/admin/users/a%252Fb erased 'a/b') and refused a blank or long 'sub'. And how
/// it scales: the Cloudinary destroys of a person's images run side by side, a bounded number at a time.
/// </summary>
public sealed partial class ErasureTests
{
    [Fact]
    public async Task Erasure_takes_the_person_from_the_query_decoded_once_and_the_path_form_is_gone()
    {
        var tag = Guid.NewGuid().ToString("N");
        var slashed = $"a/b-{tag}";
        var escaped = $"a%2Fb-{tag}"; // a person whose id holds a percent sign, as typed
        foreach (var sub in new[] { slashed, escaped })
        {
            await new SubmissionClient(Pipeline.Client(sub)).StartedAsync();
        }

        var oldForm = await Pipeline.Client(Users.New("admin"), admin: true).DeleteAsync($"/api/admin/users/{Uri.EscapeDataString(escaped)}");
        await oldForm.ProblemAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Equal(2L, await SubmissionsOfAsync(slashed, escaped));

        var response = await EraseAsync(escaped);
        var receipt = await response.JsonAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(escaped, receipt.GetProperty("sub").GetString());
        Assert.Equal(0L, await SubmissionsOfAsync(escaped));
        Assert.Equal(1L, await SubmissionsOfAsync(slashed));
    }

    [Theory]
    [InlineData(" padded ")]
    [InlineData("Пётр/😀 x")]
    [InlineData("a+b&c=d#e?f%20g")]
    [InlineData("255 utf-8 bytes")]
    public async Task Erasure_accepts_every_sub_that_sign_in_accepts(string kind)
    {
        var sub = kind == "255 utf-8 bytes" ? Users.Longest() : kind + Guid.NewGuid().ToString("N");
        await new SubmissionClient(Pipeline.Client(sub)).StartedAsync();
        var image = await Pipeline.UploadImageAsync(sub);

        var response = await EraseAsync(sub);
        var receipt = await response.JsonAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(sub, receipt.GetProperty("sub").GetString());
        Assert.Equal([image], receipt.GetProperty("imageIds").EnumerateArray().Select(e => e.GetGuid()));
        Assert.Equal(0L, await SubmissionsOfAsync(sub));
    }

    [Theory]
    [InlineData("?sub=")]
    [InlineData("?sub=%20%20%20")]
    [InlineData("?sub=a%00b")]
    [InlineData("?sub=a%01b")]
    [InlineData("?sub=a%0Ab")]
    [InlineData("?sub=256")]
    [InlineData("")]
    [InlineData("?user=someone")]
    public async Task Erasure_of_a_sub_that_sign_in_refuses_or_of_no_sub_is_a_400_naming_the_rule(string query)
    {
        var target = "/api/admin/users" + (query == "?sub=256" ? "?sub=" + Uri.EscapeDataString(new string('é', 128)) : query);
        var before = await _app.Data.ScalarAsync<long>("select count(*) from submissions");

        var response = await Pipeline.Client(Users.New("admin"), admin: true).DeleteAsync(target);
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest, "bad_request");

        Assert.Contains("sub", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await _app.Data.ScalarAsync<long>("select count(*) from submissions"));
    }

    [Fact]
    public async Task Erasure_of_many_images_destroys_them_side_by_side_a_bounded_number_at_a_time()
    {
        var sub = Users.New("prolific");
        var images = new List<Guid>();
        for (var i = 0; i < 24; i++)
        {
            images.Add(await _app.Data.ImageAsync(sub, "saved-cld"));
        }

        var gate = new DestroyGate();
        Pipeline.Cloudinary.BeforeDestroy = gate.EnterAsync;
        var admin = Pipeline.Factory.ClientFor(Users.New("admin"), admin: true);

        var response = await admin.DeleteAsync(ErasureUrl(sub));
        var receipt = await response.JsonAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(images.Order(), receipt.GetProperty("imageIds").EnumerateArray().Select(e => e.GetGuid()).Order());
        Assert.Equal(images.Select(i => $"checkup/{i}").Order(), Strings(receipt.GetProperty("cloudinaryAssets").GetProperty("alreadyGone")));
        Assert.Equal(24, gate.Calls);
        Assert.InRange(gate.MostAtOnce, 2, UserErasure.MaxConcurrentDestroys);
    }

    /// <summary>
    /// An upload the erasure raced (its row deleted while it streamed) leaves a blob with no row; before its metadata is
    /// written it carries nothing but the owner tag set with its first write. The erasure asks storage for that tag
    /// instead of listing the whole container, for a Put and for a chunked (block) upload alike.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Erasure_finds_a_staged_blob_without_a_row_by_its_owner_tag_not_by_listing_the_container(bool knownLength)
    {
        var sub = Users.New("racer");
        var other = Users.New("bystander");
        var stray = await UploadAndForgetRowAsync(sub, knownLength);
        var kept = await UploadAndForgetRowAsync(other, knownLength);

        var response = await EraseAsync(sub);
        var receipt = await response.JsonAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([stray], Strings(receipt.GetProperty("stagedBlobs").GetProperty("deleted")));
        Assert.False((await Pipeline.Storage.Staging.GetBlobClient(stray).ExistsAsync()).Value);
        Assert.True((await Pipeline.Storage.Staging.GetBlobClient(kept).ExistsAsync()).Value);
    }

    /// <summary>Uploads, then leaves only the blob as its first write made it: no row, no metadata.</summary>
    private async Task<string> UploadAndForgetRowAsync(string sub, bool knownLength)
    {
        var png = TestImages.Png(64, 48, totalBytes: 2 * 1024 * 1024 + 3);
        using var form = new MultipartFormDataContent();
        HttpContent file = knownLength ? new ByteArrayContent(png) : new StreamContent(new UnknownLength(png));
        file.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("image/png");
        form.Add(file, "file", "photo.png");
        var response = await Pipeline.Client(sub).PostAsync("/api/images", form);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = (await response.JsonAsync()).GetProperty("id").GetGuid();
        await Pipeline.ExecuteAsync("delete from images where id = @id", new { id });
        var blob = Pipeline.Storage.Staging.GetBlobClient($"img-{id}");
        await blob.SetMetadataAsync(new Dictionary<string, string>());
        return blob.Name;
    }

    private sealed class UnknownLength(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }

    private Task<long> SubmissionsOfAsync(params string[] subs) =>
        _app.Data.ScalarAsync<long>("select count(*) from submissions where author_id = any(@subs)", new { subs });

    /// <summary>
    /// Holds each destroy until a few run at once (or, so that one at a time still finishes, half a second passed), and
    /// counts the most that were in flight together.
    /// </summary>
    private sealed class DestroyGate
    {
        private const int Together = 4;
        private int _inFlight, _most, _calls;

        public int MostAtOnce => Volatile.Read(ref _most);
        public int Calls => Volatile.Read(ref _calls);

        /// <summary>Counts a destroy in, holds it until four are in flight (or half a second passed), then lets it go.</summary>
        public async Task EnterAsync()
        {
            Interlocked.Increment(ref _calls);
            var now = Interlocked.Increment(ref _inFlight);
            int most;
            while (now > (most = Volatile.Read(ref _most)) && Interlocked.CompareExchange(ref _most, now, most) != most)
            {
            }

            try
            {
                var waitUntil = DateTime.UtcNow.AddMilliseconds(500);
                while (Volatile.Read(ref _inFlight) < Together && Volatile.Read(ref _most) < Together && DateTime.UtcNow < waitUntil)
                {
                    await Task.Delay(10);
                }
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }
    }
}
