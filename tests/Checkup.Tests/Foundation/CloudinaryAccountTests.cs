using Checkup.Core.Cloudinary;

namespace Checkup.Tests.Foundation;

public sealed class CloudinaryAccountTests
{
    [Fact]
    public void Parses_key_secret_and_cloud_name_keeping_their_case()
    {
        var account = CloudinaryAccount.Parse("cloudinary://123456789012345:AbC-dEf_GhI@MyCloud");

        Assert.Equal(new CloudinaryAccount("123456789012345", "AbC-dEf_GhI", "MyCloud"), account);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("https://key:secret@cloud")]
    [InlineData("cloudinary://key@cloud")]
    [InlineData("cloudinary://:secret@cloud")]
    [InlineData("cloudinary://key:secret@")]
    [InlineData("cloudinary://key:@cloud")]
    public void Refuses_malformed_urls(string? url) => Assert.Null(CloudinaryAccount.Parse(url));
}
