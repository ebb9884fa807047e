int main(void)
{
	return 0 /* missing semicolon */
}
